#if canImport(Glibc)
    import Glibc
#endif

/// Wall-clock time: commit timestamps are broker wall-clock ms, so evaluation uses the same.
enum WallClock {
    static var nowMs: Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    static var nowSeconds: Double { Double(nowMs) / 1000 }
}

/// Sleeps that end early on cancellation (returns false then).
func pause(_ d: Duration) async -> Bool {
    do {
        try await Task.sleep(for: d)
        return true
    } catch {
        return false
    }
}
