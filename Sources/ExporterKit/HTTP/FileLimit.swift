#if canImport(Glibc)
    import Glibc
#endif

/// The process' open-file limit, and how many client connections fit under it.
///
/// Every connection is a file descriptor; at the limit `accept` fails and so does everything
/// else that opens a file (Kafka connections, /proc reads, certificate reloads). Connections
/// are therefore capped below it, leaving a reserve for the exporter's own work.
public enum FileLimit {
    /// The soft RLIMIT_NOFILE, or nil if unknown or unlimited (RLIM_INFINITY is all ones).
    public static func softLimit() -> Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
        return Int(clamping: limit.rlim_cur)
    }

    /// Raises the soft limit to the hard limit, as Go's runtime does for every Go program (so
    /// node_exporter and Prometheus get it): the soft limit is a compatibility default of
    /// `select(2)` days (often 1,024), and this process uses epoll. Returns (old, new) when it
    /// changed, nil when it was already at the hard limit or could not be changed.
    @discardableResult
    public static func raiseSoftToHard() -> (old: Int, new: Int)? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return nil }
        let old = limit.rlim_cur
        limit.rlim_cur = limit.rlim_max
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        return (Int(clamping: old), Int(clamping: limit.rlim_max))
    }

    /// Descriptors kept for the exporter itself: a quarter of the limit, at least 128.
    public static func reserve(forLimit limit: Int) -> Int { max(128, limit / 4) }

    /// The connection cap: `requested` if given and it fits, else the soft limit minus the reserve
    /// (never below 16, so a tiny limit still serves scrapes).
    public static func connectionLimit(requested: Int?, softLimit: Int? = softLimit()) -> Int {
        let fitting = softLimit.map { max(16, $0 - reserve(forLimit: $0)) } ?? 65_536
        guard let requested, requested > 0 else { return fitting }
        return min(requested, fitting)
    }
}
