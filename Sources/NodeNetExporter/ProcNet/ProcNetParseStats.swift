/// Outcome counters of a /proc/net parse. Garbled lines are counted and
/// skipped rather than failing the scrape, so one bad line cannot hide all sockets.
public struct ProcNetParseStats: Sendable, Equatable {
    /// Valid rows delivered to the callback.
    public var rows: Int = 0
    /// Garbled or truncated lines that were skipped.
    public var errors: Int = 0
    /// Reason and a sanitized excerpt of the first bad line, for logging.
    public var firstError: String?

    public init(rows: Int = 0, errors: Int = 0, firstError: String? = nil) {
        self.rows = rows
        self.errors = errors
        self.firstError = firstError
    }
}
