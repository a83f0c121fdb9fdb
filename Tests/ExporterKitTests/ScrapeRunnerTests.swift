import Synchronization
import Testing

@testable import ExporterKit

private struct Boom: Error, CustomStringConvertible {
    var description: String { "boom" }
}

private func gauge(_ name: String, _ value: Double = 1) -> MetricFamily {
    .single(name: name, help: "h", value: value)
}

private func collector(_ name: String, _ families: [MetricFamily]) -> ClosureCollector {
    ClosureCollector(name: name) { families }
}

private func successes(_ families: [MetricFamily], ns: String = "t") -> [String: Double] {
    var out: [String: Double] = [:]
    for f in families where f.name == "\(ns)_scrape_collector_success" {
        for s in f.samples { out[s.labels.first { $0.name == "collector" }?.value ?? "?"] = s.value }
    }
    return out
}

private func names(_ families: [MetricFamily]) -> Set<String> { Set(families.map(\.name)) }

@Test func collectorsRunConcurrently() async {
    // Each collector waits until all three have started: run one after another they would time out.
    let started = Mutex(0)
    let make = { (name: String) in
        ClosureCollector(name: name) {
            started.withLock { $0 += 1 }
            let deadline = ContinuousClock.now + .seconds(3)
            while started.withLock({ $0 }) < 3 {
                if ContinuousClock.now > deadline { throw Boom() }
                try await Task.sleep(for: .milliseconds(2))
            }
            return [gauge("m_\(name)")]
        }
    }
    let runner = ScrapeRunner(namespace: "t", collectors: [make("a"), make("b"), make("c")], logger: quietLogger)
    let families = await runner.gather(timeout: .seconds(10))
    #expect(successes(families) == ["a": 1, "b": 1, "c": 1])
    #expect(names(families).isSuperset(of: ["m_a", "m_b", "m_c"]))
}

@Test func throwingCollectorFailsAloneAndOthersArePresent() async throws {
    let runner = ScrapeRunner(
        namespace: "t",
        collectors: [
            collector("good", [gauge("good_metric")]), ClosureCollector(name: "bad") { throw Boom() },
        ],
        logger: quietLogger)
    let outcomes = await runner.runAll(timeout: .seconds(5))
    #expect(outcomes.map(\.name) == ["good", "bad"])
    #expect(outcomes[1].error == "boom")
    let families = await runner.gather(timeout: .seconds(5))
    #expect(successes(families) == ["good": 1, "bad": 0])
    #expect(names(families).contains("good_metric"))
    _ = try ExpositionEncoder.encode(families, format: .text004)
}

@Test func collectorPastTheDeadlineIsReportedFailedAndGatherReturnsOnTime() async throws {
    let runner = ScrapeRunner(
        namespace: "t",
        collectors: [
            collector("fast", [gauge("fast_metric")]),
            ClosureCollector(name: "slow") {
                try await Task.sleep(for: .seconds(5))
                return [gauge("slow_metric")]
            },
        ],
        logger: quietLogger)
    let clock = ContinuousClock()
    let start = clock.now
    let families = await runner.gather(timeout: .milliseconds(200))
    let elapsed = clock.now - start
    // Functional bound (the sleeper takes 5 s), not a benchmark.
    #expect(elapsed < .seconds(2))
    #expect(elapsed >= .milliseconds(190))
    #expect(successes(families) == ["fast": 1, "slow": 0])
    #expect(names(families).contains("fast_metric"))
    #expect(!names(families).contains("slow_metric"))
    let duration = try #require(families.first { $0.name == "t_scrape_collector_duration_seconds" })
    let slowDuration = try #require(duration.samples.first { $0.labels == [Label("collector", "slow")] })
    #expect(slowDuration.value >= 0.19 && slowDuration.value < 2)
}

@Test func timedOutOutcomeCarriesAMessage() async {
    let runner = ScrapeRunner(
        namespace: "t",
        collectors: [
            ClosureCollector(name: "slow") {
                try await Task.sleep(for: .seconds(5))
                return []
            }
        ],
        logger: quietLogger)
    let outcomes = await runner.runAll(timeout: .milliseconds(50))
    #expect(outcomes.count == 1)
    #expect(outcomes.first?.error?.hasPrefix("timed out after") == true)
}

@Test func invalidOutputFailsOnlyThatCollector() async throws {
    var dup = MetricFamily(name: "dup_metric", help: "h", type: .gauge)
    dup.add([("a", "1")], 1)
    dup.add([("a", "1")], 2)
    let runner = ScrapeRunner(
        namespace: "t",
        collectors: [
            collector("dup", [gauge("dup_ok_metric"), dup]), collector("badname", [gauge("bad-name")]),
            collector("fine", [gauge("fine_metric")]),
        ],
        logger: quietLogger)
    let families = await runner.gather(timeout: .seconds(5))
    #expect(successes(families) == ["dup": 0, "badname": 0, "fine": 1])
    // Nothing of a failed collector is served, not even its valid families.
    #expect(!names(families).contains("dup_ok_metric"))
    #expect(!names(families).contains("dup_metric"))
    #expect(names(families).contains("fine_metric"))
    _ = try ExpositionEncoder.encode(families, format: .openMetrics100)
}

@Test func duplicateFamilyAcrossCollectorsFailsTheLaterCollector() async throws {
    let runner = ScrapeRunner(
        namespace: "t",
        collectors: [collector("first", [gauge("shared", 1)]), collector("second", [gauge("shared", 2)])],
        logger: quietLogger)
    let families = await runner.gather(timeout: .seconds(5))
    #expect(successes(families) == ["first": 1, "second": 0])
    let shared = families.filter { $0.name == "shared" }
    #expect(shared.count == 1)
    #expect(shared.first?.samples.first?.value == 1)
    _ = try ExpositionEncoder.encode(families, format: .text004)
}

/// Contract (ScrapeRunner.swift:42): "one bad family fails its collector, not the scrape". A collector returning
/// the same family twice passes the per-collector check (`seen` is only updated after the loop), so the encoder
/// then rejects the whole scrape.
@Test func sameFamilyTwiceFromOneCollectorFailsOnlyThatCollector() async {
    let runner = ScrapeRunner(
        namespace: "t",
        collectors: [collector("twice", [gauge("twice_metric", 1), gauge("twice_metric", 2)]), collector("ok", [])],
        logger: quietLogger)
    let families = await runner.gather(timeout: .seconds(5))
    #expect(successes(families) == ["twice": 0, "ok": 1])
    #expect(throws: Never.self) { try ExpositionEncoder.encode(families, format: .text004) }
}

/// A counter `x` (series `x_total`) in one collector and a gauge `x_total` in another: the runner only compares
/// family names, so both pass and the encoder fails the whole scrape.
@Test func counterVersusGaugeTotalAcrossCollectorsFailsOnlyOneCollector() async {
    let runner = ScrapeRunner(
        namespace: "t",
        collectors: [
            collector("counter", [.single(name: "x", help: "h", type: .counter, value: 1)]),
            collector("gauge", [gauge("x_total")]),
        ],
        logger: quietLogger)
    let families = await runner.gather(timeout: .seconds(5))
    #expect(successes(families).values.sorted() == [0, 1])
    #expect(throws: Never.self) { try ExpositionEncoder.encode(families, format: .text004) }
}

/// A collector emitting one of the runner's own family names breaks the whole scrape the same way.
@Test func collectorShadowingSelfMetricsFailsOnlyThatCollector() async {
    let runner = ScrapeRunner(
        namespace: "t",
        collectors: [collector("rogue", [gauge("t_scrape_collector_success")]), collector("ok", [])],
        logger: quietLogger)
    let families = await runner.gather(timeout: .seconds(5))
    #expect(throws: Never.self) { try ExpositionEncoder.encode(families, format: .text004) }
}

@Test func selfMetricsCoverEveryCollector() async throws {
    let runner = ScrapeRunner(
        namespace: "kx",
        collectors: [
            collector("a", [gauge("a_metric")]), ClosureCollector(name: "b") { throw Boom() }, collector("c", []),
        ],
        logger: quietLogger)
    let families = await runner.gather(timeout: .seconds(5))
    let duration = try #require(families.first { $0.name == "kx_scrape_collector_duration_seconds" })
    #expect(duration.unit == "seconds")
    #expect(duration.type == .gauge)
    #expect(
        Set(duration.samples.map(\.labels)) == [
            [Label("collector", "a")], [Label("collector", "b")], [Label("collector", "c")],
        ])
    #expect(duration.samples.allSatisfy { $0.value >= 0 && $0.value < 5 })
    #expect(successes(families, ns: "kx") == ["a": 1, "b": 0, "c": 1])
    let text = try ExpositionEncoder.encodeString(families, format: .openMetrics100)
    #expect(text.contains("# UNIT kx_scrape_collector_duration_seconds seconds\n"))
    #expect(text.contains("kx_scrape_collector_success{collector=\"b\"} 0\n"))
}

@Test func noCollectorsStillGivesSelfFamilies() async throws {
    let runner = ScrapeRunner(namespace: "t", collectors: [], logger: quietLogger)
    let clock = ContinuousClock()
    let start = clock.now
    let families = await runner.gather(timeout: .seconds(5))
    #expect(clock.now - start < .seconds(1))
    #expect(names(families) == ["t_scrape_collector_duration_seconds", "t_scrape_collector_success"])
    #expect(families.allSatisfy { $0.samples.isEmpty })
}

@Test func familiesAreFreshOnEveryScrape() async {
    let counter = Mutex(0)
    let c = ClosureCollector(name: "c") {
        let n = counter.withLock { v -> Int in
            v += 1
            return v
        }
        return n == 1 ? [gauge("first_only"), gauge("always")] : [gauge("always")]
    }
    let runner = ScrapeRunner(namespace: "t", collectors: [c], logger: quietLogger)
    #expect(names(await runner.gather(timeout: .seconds(5))).contains("first_only"))
    let second = names(await runner.gather(timeout: .seconds(5)))
    #expect(!second.contains("first_only"))
    #expect(second.contains("always"))
}

@Test func durationSeconds() {
    #expect(Duration.milliseconds(1500).seconds == 1.5)
    #expect(Duration.zero.seconds == 0)
    #expect(abs(Duration.nanoseconds(1).seconds - 1e-9) < 1e-18)
}
