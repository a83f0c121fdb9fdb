import ExporterKit

/// Where ingest stands, for readiness and the self metrics.
struct IngestProgress: Sendable, Equatable {
    /// The source in use (auto resolves to one of the other two).
    var source: OffsetsSource?
    /// Every partition of the offsets topic reached the high watermark seen at start (offsets
    /// topic), or the first full poll finished (admin API).
    var caughtUp = false
    /// Records between the read positions and the start (while catching up) or current high watermarks.
    var recordsBehind: Int64?
    /// Last successful request to the cluster (any), seconds since the epoch.
    var lastContact: Double?
    /// Last successful refresh by kind (`metadata`, `log_end_offsets`, `groups`, `offsets_topic`).
    var lastRefresh: [String: Double] = [:]
    /// The last ingest problem, for logs and the status page (never contains secrets).
    var lastError: String?
    /// When each ingest loop (`offsets_topic`, `groups`, `log_end_offsets`) must next succeed,
    /// seconds since the epoch. A broker that hangs fails no request until the request timeout
    /// (30 s by default): without these the cluster read as up all that time.
    var contactDue: [String: Double] = [:]

    var up: Bool { isUp(at: WallClock.nowSeconds) }

    func isUp(at now: Double) -> Bool {
        lastError == nil && lastContact != nil && overdue(at: now).isEmpty
    }

    /// The loops past their due time, sorted.
    func overdue(at now: Double) -> [String] {
        contactDue.filter { $0.value < now }.map(\.key).sorted()
    }

    /// A loop succeeded at `now` (its refresh of that kind is done) and runs again within
    /// `cadence`; it is overdue after that plus `grace` (a slow but healthy broker's answer).
    mutating func heard(_ loop: String, at now: Double, cadence: Duration, grace: Duration) {
        lastContact = now
        lastRefresh[loop] = now
        contactDue[loop] = now + cadence.seconds + grace.seconds
    }
}
