import Logging
import Synchronization

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

    /// Runs all collectors as unstructured tasks and returns when all have finished or the
    /// deadline has passed, whichever is first.
    public func runAll(timeout: Duration) async -> [Outcome] {
        let clock = ContinuousClock()
        let start = clock.now
        let board = OutcomeBoard(names: collectors.map(\.name))
        var tasks: [Task<Void, Never>] = []
        // Collectors see the deadline (ScrapeDeadline.current) to fit their own timeouts into it.
        ScrapeDeadline.$current.withValue(start + timeout) {
            for (index, collector) in collectors.enumerated() {
                tasks.append(
                    Task {
                        let result: Result<[MetricFamily], any Error>
                        do { result = .success(try await collector.collect()) } catch { result = .failure(error) }
                        board.finish(index, result, after: clock.now - start)
                    })
            }
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled { board.expire(after: clock.now - start) }
        }
        let outcomes = await board.wait()
        timer.cancel()
        // Ask stragglers to stop; those blocked in I/O finish on their own.
        for task in tasks { task.cancel() }
        return outcomes
    }
}

/// Shared between the collector tasks, the timer and the waiting scrape. Once closed (all
/// finished, or the deadline passed) it accepts no more results.
final class OutcomeBoard: Sendable {
    typealias Waiter = CheckedContinuation<[ScrapeRunner.Outcome], Never>
    private struct State {
        var outcomes: [ScrapeRunner.Outcome?]
        var remaining: Int
        var closed: Bool
        var waiter: Waiter?
    }
    private let state: Mutex<State>
    private let names: [String]

    init(names: [String]) {
        self.names = names
        self.state = Mutex(
            State(
                outcomes: Array(repeating: nil, count: names.count), remaining: names.count,
                closed: names.isEmpty))
    }

    func finish(_ index: Int, _ result: Result<[MetricFamily], any Error>, after duration: Duration) {
        let outcome: ScrapeRunner.Outcome
        switch result {
        case .success(let families):
            outcome = .init(name: names[index], families: families, error: nil, duration: duration)
        case .failure(let error):
            outcome = .init(name: names[index], families: [], error: "\(error)", duration: duration)
        }
        let resume = state.withLock { s -> (Waiter, [ScrapeRunner.Outcome])? in
            guard !s.closed else { return nil }
            s.outcomes[index] = outcome
            s.remaining -= 1
            if s.remaining == 0 { s.closed = true }
            return Self.takeWaiter(&s)
        }
        if let (c, r) = resume { c.resume(returning: r) }
    }

    func expire(after duration: Duration) {
        let resume = state.withLock { s -> (Waiter, [ScrapeRunner.Outcome])? in
            guard !s.closed else { return nil }
            for i in s.outcomes.indices where s.outcomes[i] == nil {
                s.outcomes[i] = .init(
                    name: names[i], families: [], error: "timed out after \(duration.seconds)s", duration: duration)
            }
            s.closed = true
            return Self.takeWaiter(&s)
        }
        if let (c, r) = resume { c.resume(returning: r) }
    }

    func wait() async -> [ScrapeRunner.Outcome] {
        await withCheckedContinuation { c in
            let ready = state.withLock { s -> [ScrapeRunner.Outcome]? in
                if s.closed { return s.outcomes.compactMap { $0 } }
                s.waiter = c
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
    }

    private static func takeWaiter(_ s: inout State) -> (Waiter, [ScrapeRunner.Outcome])? {
        guard s.closed, let waiter = s.waiter else { return nil }
        s.waiter = nil
        return (waiter, s.outcomes.compactMap { $0 })
    }
}
