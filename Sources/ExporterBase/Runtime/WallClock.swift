#if canImport(Glibc)
    import Glibc
#endif

/// Wall-clock time, for timestamps that meet other clocks: Kafka's commit timestamps are
/// broker wall-clock ms, Prometheus' `_timestamp_seconds` are Unix seconds.
public enum WallClock {
    public static var nowMs: Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    public static var nowSeconds: Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
