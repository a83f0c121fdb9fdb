/// Collects samples into families by name while a collector walks its data, then hands them
/// out non-empty and sorted. `prefix` (e.g. "kafka_cluster_") is put in front of every name.
public struct FamilyBuilder: Sendable {
    public let prefix: String
    private var all: [String: MetricFamily] = [:]

    public init(prefix: String = "") {
        self.prefix = prefix
    }

    public mutating func gauge(_ name: String, _ help: String, _ labels: [Label], _ value: Double, unit: String? = nil)
    {
        let full = prefix + name
        all[full, default: MetricFamily(name: full, help: help, type: .gauge, unit: unit)].add(sharing: labels, value)
    }

    public mutating func gauge(
        _ name: String, _ help: String, _ labels: [(String, String)], _ value: Double, unit: String? = nil
    ) {
        gauge(name, help, labels.map { Label($0.0, $0.1) }, value, unit: unit)
    }

    /// `name` may be written as exposed (`..._total`, greppable); the family drops the suffix,
    /// which the encoder adds.
    public mutating func counter(_ name: String, _ help: String, _ labels: [Label], _ value: Double) {
        let base = prefix + (name.hasSuffix("_total") ? String(name.dropLast(6)) : name)
        all[base, default: MetricFamily(name: base, help: help, type: .counter)].add(sharing: labels, value)
    }

    public var families: [MetricFamily] {
        all.values.filter { !$0.samples.isEmpty }.sorted { $0.name < $1.name }
    }
}
