import ExporterKit

/// What the gateway holds for one grouping key.
struct Group: Sendable, Codable, Equatable {
    var key: GroupingKey
    /// Pushed families by name (the push timestamps are not among them).
    var families: [String: PushedFamily]
    /// Unix seconds of the last successful change; 0 if none yet (only failed pushes).
    var pushTime: Double
    /// Unix seconds of the last refused push; 0 if none.
    var failureTime: Double
    /// Unix seconds from which the TTL counts: the last successful push, or the group's
    /// creation by a refused one.
    var ttlStart: Double

    init(key: GroupingKey, now: Double) {
        self.key = key
        families = [:]
        pushTime = 0
        failureTime = 0
        ttlStart = now
    }

    var seriesCount: Int { families.values.reduce(0) { $0 + $1.metrics.count } }
    var sampleCount: Int { families.values.reduce(0) { $0 + $1.sampleCount } }
}
