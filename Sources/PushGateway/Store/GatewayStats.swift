import ExporterKit
import Synchronization

/// The gateway's own counters, served as `pushgateway_*` families.
final class GatewayStats: Sendable {
    enum Outcome: String, CaseIterable, Sendable {
        /// Applied.
        case accepted
        /// Refused with 400: unparsable body, bad URL, inconsistent metrics.
        case invalid
        /// Refused by a limit (groups, series per group).
        case limited
    }

    /// Distinct jobs in `groups_expired_total` before the rest count as `other`.
    static let maxExpiredJobs = 200

    private struct Counts {
        var pushes: [String: Double] = [:]  // "METHOD\u{0}outcome"
        var expired: [String: Double] = [:]
        var limitRefusals: [String: Double] = [:]
        var persistWrites: [String: Double] = [:]
        var lastPersist: Double = 0
        var restoreFailures: Double = 0
    }

    private let counts = Mutex(Counts())

    func push(method: String, _ outcome: Outcome) {
        counts.withLock { $0.pushes[method + "\u{0}" + outcome.rawValue, default: 0] += 1 }
    }

    func limitHit(_ limit: String) {
        counts.withLock { $0.limitRefusals[limit, default: 0] += 1 }
    }

    func expired(job: String) {
        counts.withLock { c in
            let key = c.expired[job] != nil || c.expired.count < Self.maxExpiredJobs ? job : "other"
            c.expired[key, default: 0] += 1
        }
    }

    func persisted(ok: Bool, at time: Double) {
        counts.withLock { c in
            c.persistWrites[ok ? "success" : "failure", default: 0] += 1
            if ok { c.lastPersist = time }
        }
    }

    func restoreFailed() { counts.withLock { $0.restoreFailures += 1 } }

    func collector(store: MetricStore) -> some Collector {
        ClosureCollector(name: "store") { [self] in
            let c = counts.withLock { $0 }
            let held = store.counts
            var pushes = MetricFamily(
                name: "pushgateway_pushes", help: "Push requests (PUT, POST, DELETE) by method and outcome.",
                type: .counter)
            for m in ["PUT", "POST", "DELETE"] {
                for o in Outcome.allCases where !(m == "DELETE" && o == .limited) {
                    pushes.add([("method", m), ("outcome", o.rawValue)], c.pushes[m + "\u{0}" + o.rawValue] ?? 0)
                }
            }
            var expired = MetricFamily(
                name: "pushgateway_groups_expired",
                help:
                    "Groups removed because they were not pushed within their TTL, by job (past \(Self.maxExpiredJobs) jobs: other).",
                type: .counter)
            for (job, n) in c.expired { expired.add([("job", job)], n) }
            var limits = MetricFamily(
                name: "pushgateway_limit_refusals",
                help: "Pushes refused by a limit: groups (429), series_per_group (413).",
                type: .counter)
            for l in ["groups", "series_per_group"] { limits.add([("limit", l)], c.limitRefusals[l] ?? 0) }
            var writes = MetricFamily(
                name: "pushgateway_persistence_writes",
                help: "Writes of the persistence file by result.", type: .counter)
            for r in ["success", "failure"] { writes.add([("result", r)], c.persistWrites[r] ?? 0) }
            return [
                pushes, expired, limits, writes,
                .single(
                    name: "pushgateway_groups",
                    help: "Groups held (grouping keys pushed to and not deleted or expired).",
                    value: Double(held.groups)),
                .single(
                    name: "pushgateway_series",
                    help: "Pushed series held: sample lines served, a histogram's buckets, sum and count each counted.",
                    value: Double(held.series)),
                .single(
                    name: "pushgateway_persistence_last_write_timestamp_seconds",
                    help: "Unix time of the last successful write of the persistence file (0: none yet).",
                    unit: "seconds", value: c.lastPersist),
                .single(
                    name: "pushgateway_persistence_restore_failures",
                    help: "Persistence files that could not be read at startup (moved aside, see the log).",
                    type: .counter, value: c.restoreFailures),
            ]
        }
    }
}
