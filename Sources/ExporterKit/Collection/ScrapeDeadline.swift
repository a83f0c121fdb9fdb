/// The deadline of the scrape a collector runs in (X-Prometheus-Scrape-Timeout-Seconds minus the
/// offset), so that a collector with its own timeouts can fit its work inside it and still answer
/// (a cluster that hangs must be reported as down, not vanish when the scrape deadline cuts it).
public enum ScrapeDeadline {
    @TaskLocal public static var current: ContinuousClock.Instant?

    /// What is left for work that may take up to `limit`: the smaller of `limit` and the time to
    /// the scrape deadline less `reserve` (for building and encoding the answer), never below
    /// `floor`.
    public static func budget(
        upTo limit: Duration, reserve: Duration = .milliseconds(250), floor: Duration = .milliseconds(50)
    ) -> Duration {
        guard let deadline = current else { return limit }
        let left = ContinuousClock.now.duration(to: deadline) - reserve
        return max(min(limit, left), floor)
    }
}
