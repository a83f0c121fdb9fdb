/// Drops commits older than the cluster's `expire_group`; a group left without commits is gone
/// (Burrow's rule), whether or not the broker still knows it.
struct CommitExpiry: Sendable {
    let store: LagStore

    /// `now`: milliseconds since the epoch.
    func run(now: Int64) {
        store.expire(now: now)
    }
}
