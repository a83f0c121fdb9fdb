import Logging

/// Runs collectors concurrently under one deadline and adds
/// `<ns>_scrape_collector_duration_seconds` / `<ns>_scrape_collector_success`.
///
/// A collector still running at the deadline is reported as failed and left to finish in
/// the background: the scrape answers on time instead of waiting for a stuck /proc read or a
/// slow broker.
public struct ScrapeRunner: Sendable {
    public let namespace: String
    public let collectors: [any Collector]
    public let logger: Logger

    public init(namespace: String, collectors: [any Collector], logger: Logger) {
        precondition(Set(collectors.map(\.name)).count == collectors.count, "collector names must be unique")
        self.namespace = namespace
        self.collectors = collectors
        self.logger = logger
    }

    public struct Outcome: Sendable {
        public var name: String
        public var output: CollectorOutput
        public var error: String?
        public var duration: Duration

        public var families: [MetricFamily] { output.families }
    }

    /// Runs the collectors and validates what they returned; `Scrape.encode` writes the answer.
    public func scrape(timeout: Duration) async -> Scrape {
        Scrape(namespace: namespace, outcomes: await runAll(timeout: timeout), logger: logger)
    }

    /// Gathers every collector's families (streamed ones as samples) plus the per-collector self
    /// metrics.
    public func gather(timeout: Duration) async -> [MetricFamily] {
        var scrape = await scrape(timeout: timeout)
        return scrape.materialized()
    }

    /// Runs all collectors concurrently and returns when all have finished or the deadline has
    /// passed, whichever is first (`withTimeout` does not wait for a collector that ignores
    /// cancellation).
    public func runAll(timeout: Duration) async -> [Outcome] {
        let clock = ContinuousClock()
        let start = clock.now
        // Collectors see the deadline (ScrapeDeadline.current) to fit their own timeouts into it.
        return await ScrapeDeadline.$current.withValue(start + timeout) {
            await withTaskGroup(of: (Int, Outcome).self) { group in
                for (index, collector) in collectors.enumerated() {
                    group.addTask {
                        let outcome: Outcome
                        do {
                            let output = try await withTimeout(timeout) { try await collector.collectOutput() }
                            outcome = Outcome(name: collector.name, output: output, duration: clock.now - start)
                        } catch let e as TimeoutError where e.after == timeout {
                            let took = clock.now - start
                            outcome = Outcome(
                                name: collector.name, output: CollectorOutput(),
                                error: "timed out after \(took.seconds)s",
                                duration: took)
                        } catch {
                            outcome = Outcome(
                                name: collector.name, output: CollectorOutput(), error: "\(error)",
                                duration: clock.now - start)
                        }
                        return (index, outcome)
                    }
                }
                var outcomes = [Outcome?](repeating: nil, count: collectors.count)
                for await (index, outcome) in group { outcomes[index] = outcome }
                return outcomes.compactMap { $0 }
            }
        }
    }
}
