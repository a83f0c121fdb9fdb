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
        public var families: [MetricFamily]
        public var error: String?
        public var duration: Duration
    }

    /// Gathers every collector's families plus the per-collector self metrics.
    public func gather(timeout: Duration) async -> [MetricFamily] {
        let outcomes = await runAll(timeout: timeout)
        var families: [MetricFamily] = []
        // Series names in use; the runner's own families are reserved.
        var seen: Set<String> = [
            "\(namespace)_scrape_collector_duration_seconds", "\(namespace)_scrape_collector_success",
        ]
        var durations = MetricFamily(
            name: "\(namespace)_scrape_collector_duration_seconds",
            help: "Duration of a collector's part of this scrape.", type: .gauge, unit: "seconds")
        var success = MetricFamily(
            name: "\(namespace)_scrape_collector_success",
            help: "Whether a collector succeeded in this scrape (1) or failed or timed out (0).", type: .gauge)
        for var outcome in outcomes {
            if outcome.error == nil {
                // Validate before merging: one bad family fails its collector, not the scrape.
                do {
                    var normalized: [MetricFamily] = []
                    var mine = Set<String>()
                    for f in outcome.families {
                        let n = try ExpositionValidator.normalized(f)
                        for name in ExpositionValidator.seriesNames(of: n) {
                            if seen.contains(name) || !mine.insert(name).inserted {
                                throw ExpositionError.duplicateFamily(name)
                            }
                        }
                        normalized.append(n)
                    }
                    seen.formUnion(mine)
                    families.append(contentsOf: normalized)
                } catch {
                    outcome.error = "invalid output: \(error)"
                }
            }
            if let error = outcome.error {
                logger.warning(
                    "collector failed",
                    metadata: ["collector": "\(outcome.name)", "err": "\(error)"])
            }
            durations.add([("collector", outcome.name)], outcome.duration.seconds)
            success.add([("collector", outcome.name)], outcome.error == nil ? 1 : 0)
        }
        families.append(durations)
        families.append(success)
        return families
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
                            let families = try await withTimeout(timeout) { try await collector.collect() }
                            outcome = Outcome(name: collector.name, families: families, duration: clock.now - start)
                        } catch let e as TimeoutError where e.after == timeout {
                            let took = clock.now - start
                            outcome = Outcome(
                                name: collector.name, families: [], error: "timed out after \(took.seconds)s",
                                duration: took)
                        } catch {
                            outcome = Outcome(
                                name: collector.name, families: [], error: "\(error)", duration: clock.now - start)
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
