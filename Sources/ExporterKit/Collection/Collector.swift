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
    /// What a scrape serves: families held as samples and families written straight into the
    /// answer (`StreamedFamily`). The default is `collect()`'s families.
    func collectOutput() async throws -> CollectorOutput
}

extension Collector {
    public func collectOutput() async throws -> CollectorOutput { CollectorOutput(families: try await collect()) }
}

/// One collector's part of a scrape.
public struct CollectorOutput: Sendable {
    public var families: [MetricFamily]
    public var streamed: [StreamedFamily]

    public init(families: [MetricFamily] = [], streamed: [StreamedFamily] = []) {
        self.families = families
        self.streamed = streamed
    }

    /// Every family as samples (a streaming collector's `collect()`).
    public func materialized() throws -> [MetricFamily] {
        families + (try streamed.map { try $0.materialized() }.filter { !$0.samples.isEmpty })
    }
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
