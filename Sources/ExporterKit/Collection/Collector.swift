/// A source of metric families, asked afresh on every scrape.
///
/// Collectors build values at scrape time and keep nothing for the exposition layer, so a
/// series that stops existing simply disappears. Long-lived state belongs in an actor the
/// collector snapshots. A collector that throws (or runs past the scrape deadline) is reported
/// through `<ns>_scrape_collector_success{collector} 0`; the other collectors are still served.
public protocol Collector: Sendable {
    /// Short name used as the `collector` label (e.g. "tcp", "process").
    var name: String { get }
    func collect() async throws -> [MetricFamily]
}

/// A collector whose families are computed by a closure; handy for small self metrics.
public struct ClosureCollector: Collector {
    public let name: String
    private let body: @Sendable () async throws -> [MetricFamily]

    public init(name: String, _ body: @escaping @Sendable () async throws -> [MetricFamily]) {
        self.name = name
        self.body = body
    }

    public func collect() async throws -> [MetricFamily] { try await body() }
}
