import ExporterKit
import Synchronization

/// Limits that bound memory and CPU: refused pushes get a 4xx and are counted.
struct StoreLimits: Sendable, Equatable {
    /// Groups held at most; a push creating one more is refused (0: no limit).
    var maxGroups = 0
    /// Series in one group at most, after the push is applied (0: no limit).
    var maxSeriesPerGroup = 0
}

/// Every group the gateway holds, behind one lock. Pushes are checked against a copy of
/// what they would change and applied whole or not at all.
final class MetricStore: Sendable {
    struct State: Sendable {
        var groups: [GroupingKey: Group] = [:]
        var index = FamilyIndex()
        /// Groups by job: the only ones that can hold a series another group's push repeats.
        var byJob: [String: Set<GroupingKey>] = [:]
        var own: [String: OwnFamily] = [:]
        var limits = StoreLimits()
        /// Bumped on every change, so persistence knows when there is something to write.
        var generation: UInt64 = 0
    }

    private let state: Mutex<State>

    init(limits: StoreLimits = StoreLimits()) {
        state = Mutex(State(limits: limits))
    }

    enum Method: String, Sendable {
        case put = "PUT"
        case post = "POST"
    }

    /// Applies a push (PUT replaces the group's families, POST those of the same names);
    /// on refusal only the group's failure time changes.
    func push(
        key: GroupingKey, families pushed: [String: PushedFamily], hasTimestamps: Bool, method: Method, now: Double
    ) -> Result<Void, PushRefusal> {
        var families = pushed
        // Sanitizing touches only the pushed copy: no lock needed.
        var early: PushRefusal?
        if hasTimestamps {
            early = .inconsistent("pushed metrics must not have timestamps")
        } else {
            do throws(PushRefusal) {
                try ConsistencyCheck.sanitize(&families, key: key)
                try ConsistencyCheck.uniqueSeries(families)
            } catch {
                early = error
            }
        }
        return state.withLock { s in
            if let early {
                Self.recordFailure(&s, key: key, now: now)
                return .failure(early)
            }
            let current = s.groups[key]
            if current == nil, s.limits.maxGroups > 0, s.groups.count >= s.limits.maxGroups {
                // No failure time either: that would create the group the limit refuses.
                return .failure(
                    PushRefusal(
                        kind: .groupLimit,
                        message: "the gateway holds \(s.groups.count) groups, its limit (--push.max-groups)"))
            }
            var resulting = method == .put ? [:] : (current?.families ?? [:])
            for (name, var f) in families {
                f.pushedAt = now
                resulting[name] = f
            }
            do throws(PushRefusal) {
                if s.limits.maxSeriesPerGroup > 0 {
                    let series = resulting.values.reduce(0) { $0 + $1.sampleCount }
                    if series > s.limits.maxSeriesPerGroup {
                        throw PushRefusal(
                            kind: .seriesLimit,
                            message:
                                "the group would hold \(series) series, above the limit of \(s.limits.maxSeriesPerGroup) (--push.max-series-per-group)"
                        )
                    }
                }
                try ConsistencyCheck.families(
                    pushed: families, resulting: resulting, index: s.index, current: current, own: s.own)
                let groups = s.groups
                let candidates = (s.byJob[key.job] ?? []).lazy.compactMap { groups[$0] }
                try ConsistencyCheck.crossGroupDuplicates(pushed: families, key: key, candidates: candidates)
            } catch {
                Self.recordFailure(&s, key: key, now: now)
                return .failure(error)
            }
            var group = current ?? Group(key: key, now: now)
            if let current { s.index.remove(current.families.values) }
            group.families = resulting
            group.pushTime = now
            group.ttlStart = now
            s.index.add(resulting.values)
            s.groups[key] = group
            s.byJob[key.job, default: []].insert(key)
            s.generation &+= 1
            return .success(())
        }
    }

    private static func recordFailure(_ s: inout State, key: GroupingKey, now: Double) {
        var group = s.groups[key] ?? Group(key: key, now: now)
        group.failureTime = now
        s.groups[key] = group
        s.byJob[key.job, default: []].insert(key)
        s.generation &+= 1
    }

    func delete(key: GroupingKey) {
        state.withLock { s in _ = Self.remove(&s, key) }
    }

    @discardableResult
    private static func remove(_ s: inout State, _ key: GroupingKey) -> Group? {
        guard let g = s.groups.removeValue(forKey: key) else { return nil }
        s.index.remove(g.families.values)
        s.byJob[key.job]?.remove(key)
        if s.byJob[key.job]?.isEmpty == true { s.byJob[key.job] = nil }
        s.generation &+= 1
        return g
    }

    /// Removes every group (admin wipe).
    func wipe() -> Int {
        state.withLock { s in
            let n = s.groups.count
            s.groups = [:]
            s.index = FamilyIndex()
            s.byJob = [:]
            s.generation &+= 1
            return n
        }
    }

    /// Removes the groups whose TTL (by job; nil or zero: none) has run out at `now`.
    func expire(now: Double, ttl: (String) -> Double?) -> [Group] {
        state.withLock { s in
            var gone: [Group] = []
            for (key, g) in s.groups {
                guard let t = ttl(key.job), t > 0, now - g.ttlStart >= t else { continue }
                if let removed = Self.remove(&s, key) { gone.append(removed) }
            }
            return gone
        }
    }

    /// All groups (a copy: the arrays inside are shared until written).
    var groups: [Group] { state.withLock { Array($0.groups.values) } }

    var generation: UInt64 { state.withLock { $0.generation } }

    /// Groups and the generation they belong to, read together.
    func snapshot() -> (groups: [Group], generation: UInt64) {
        state.withLock { (Array($0.groups.values), $0.generation) }
    }

    var counts: (groups: Int, series: Int) {
        state.withLock { s in (s.groups.count, s.groups.values.reduce(0) { $0 + $1.sampleCount }) }
    }

    func setOwnFamilies(_ own: [String: OwnFamily]) {
        state.withLock { $0.own = own }
    }

    func setLimits(_ limits: StoreLimits) {
        state.withLock { $0.limits = limits }
    }

    /// Replaces everything held (restore from the persistence file).
    func restore(_ groups: [Group]) {
        state.withLock { s in
            s.groups = [:]
            s.index = FamilyIndex()
            s.byJob = [:]
            for g in groups {
                s.groups[g.key] = g
                s.index.add(g.families.values)
                s.byJob[g.key.job, default: []].insert(g.key)
            }
        }
    }
}
