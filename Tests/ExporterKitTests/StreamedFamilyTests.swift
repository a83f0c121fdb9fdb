import Testing

@testable import ExporterKit

/// Streamed families must reach the scraper exactly as held ones would, and a collector that
/// streams invalid output must fail alone without putting a broken line in the answer.

private struct Output: Collector {
    let name: String
    let output: CollectorOutput
    func collect() async throws -> [MetricFamily] { try output.materialized() }
    func collectOutput() async throws -> CollectorOutput { output }
}

private func streamed(
    _ name: String, type: MetricType = .gauge, unit: String? = nil, _ series: [([Label], Double)]
) -> StreamedFamily {
    StreamedFamily(name: name, help: "help \"of\" \\ \(name)", type: type, unit: unit) { w throws(ExpositionError) in
        for (labels, value) in series { try w.sample(labels, value) }
    }
}

private func held(_ f: StreamedFamily) throws -> MetricFamily { try f.materialized() }

private func body(_ collectors: [any Collector], format: ExpositionFormat = .text004) async -> String {
    var scrape = await ScrapeRunner(namespace: "t", collectors: collectors, logger: quietLogger)
        .scrape(timeout: .seconds(5))
    let out = scrape.body(format: format, gzip: false).body
    // Collector durations differ from run to run.
    return String(decoding: out.readableBytesView, as: UTF8.self).split(
        separator: "\n", omittingEmptySubsequences: false
    )
    .filter { !$0.hasPrefix("t_scrape_collector_duration_seconds{") }.joined(separator: "\n")
}

/// Series in encoder order: partition "10" before "2" (labels compare as bytes), a value that
/// needs escaping, a non-ASCII value after every ASCII one.
private let series: [([Label], Double)] = [
    ([Label("cluster", "a"), Label("partition", "10"), Label("topic", "t")], 1),
    ([Label("cluster", "a"), Label("partition", "2"), Label("topic", "t")], 2.5),
    ([Label("cluster", "a"), Label("partition", "2"), Label("topic", "t\"q\\\n")], -3),
    ([Label("cluster", "é"), Label("partition", "0"), Label("topic", "t")], .infinity),
]

@Test(arguments: [ExpositionFormat.text004, .openMetrics100])
func streamedFamiliesEncodeAsHeldOnesDo(format: ExpositionFormat) async throws {
    let families = [
        streamed("s_offset", series), streamed("s_commits", type: .counter, series),
        streamed("s_age_seconds", unit: "seconds", series),
    ]
    let fromStream = await body([Output(name: "c", output: CollectorOutput(streamed: families))], format: format)
    let fromHeld = await body(
        [Output(name: "c", output: CollectorOutput(families: try families.map(held)))], format: format)
    #expect(fromStream == fromHeld)
    #expect(fromStream.contains(#"s_commits_total{cluster="a",partition="2",topic="t\"q\\\n"} -3"#))
    // The held encoder sorts on its own: the same families given unsorted still match.
    let reversed = try families.map(held).map { f in
        var f = f
        f.samples.reverse()
        return f
    }
    #expect(await body([Output(name: "c", output: CollectorOutput(families: reversed))], format: format) == fromStream)
}

@Test func aStreamedFamilyWrittenOutOfOrderIsLeftOutAndFailsItsCollector() async {
    let unsorted = streamed("bad_unsorted", [series[1].0, series[0].0].map { ($0, 1) })
    let duplicate = streamed("bad_duplicate", [series[0].0, series[0].0].map { ($0, 1) })
    let unsortedLabels = streamed("bad_labels", [([Label("topic", "t"), Label("cluster", "a")], 1)])
    let reserved = streamed("bad_reserved", [([Label("__name__", "x")], 1)])
    for bad in [unsorted, duplicate, unsortedLabels, reserved] {
        let text = await body([
            Output(name: "mixed", output: CollectorOutput(streamed: [bad, streamed("mixed_ok", series)])),
            Output(name: "other", output: CollectorOutput(streamed: [streamed("other_ok", series)])),
        ])
        #expect(!text.contains(bad.name), "\(bad.name): nothing of the bad family, not even its HELP")
        #expect(text.contains("mixed_ok{cluster=\"a\",partition=\"10\",topic=\"t\"} 1\n"))
        #expect(text.contains("other_ok{cluster=\"a\",partition=\"10\",topic=\"t\"} 1\n"))
        #expect(text.contains("t_scrape_collector_success{collector=\"mixed\"} 0\n"))
        #expect(text.contains("t_scrape_collector_success{collector=\"other\"} 1\n"))
        // The runner's own families close the answer: they know how the streamed ones went.
        #expect(text.hasSuffix("t_scrape_collector_success{collector=\"other\"} 1\n"))
    }
}

@Test func gatherReportsAFailingStreamedFamilyToo() async {
    let bad = streamed("bad_unsorted", [series[1].0, series[0].0].map { ($0, 1) })
    let families = await ScrapeRunner(
        namespace: "t", collectors: [Output(name: "b", output: CollectorOutput(streamed: [bad]))], logger: quietLogger
    ).gather(timeout: .seconds(5))
    #expect(!families.contains { $0.name == "bad_unsorted" })
    let success = families.first { $0.name == "t_scrape_collector_success" }
    #expect(success?.samples.map(\.value) == [0])
}

@Test func aStreamedFamilyWithoutSeriesIsLeftOut() async {
    let text = await body([Output(name: "c", output: CollectorOutput(streamed: [streamed("empty_family", [])]))])
    #expect(!text.contains("empty_family"))
    #expect(text.contains("t_scrape_collector_success{collector=\"c\"} 1\n"))
}

@Test func aStreamedNameTakenByAnotherCollectorFailsTheLaterOne() async {
    let text = await body([
        Output(name: "first", output: CollectorOutput(families: [.single(name: "same_name", help: "h", value: 7)])),
        Output(name: "second", output: CollectorOutput(streamed: [streamed("same_name", series)])),
        Output(name: "third", output: CollectorOutput(streamed: [streamed("x", type: .counter, series)])),
        Output(name: "fourth", output: CollectorOutput(families: [.single(name: "x_total", help: "h", value: 1)])),
    ])
    #expect(text.contains("same_name 7\n"))
    #expect(!text.contains("same_name{"))
    #expect(text.contains("t_scrape_collector_success{collector=\"second\"} 0\n"))
    #expect(text.contains("t_scrape_collector_success{collector=\"fourth\"} 0\n"))
    #expect(text.contains("t_scrape_collector_success{collector=\"third\"} 1\n"))
}

@Test func invalidStreamedHeadersFailAtOnce() async {
    for bad in [
        streamed("9starts_with_digit", series), streamed("c_total", type: .counter, series),
        streamed("no_unit", unit: "seconds", series),
        StreamedFamily(name: "h", help: "h", type: .histogram) { _ throws(ExpositionError) in },
    ] {
        let text = await body([Output(name: "c", output: CollectorOutput(streamed: [bad]))])
        #expect(text.contains("t_scrape_collector_success{collector=\"c\"} 0\n"), "\(bad.name)")
    }
}

/// A scrape compressed family by family decompresses to the plain answer, across many of
/// zlib's 64 KiB output steps.
@Test func gzipWrittenFamilyByFamilyIsTheSameAnswer() async throws {
    let many: [([Label], Double)] = (0..<60_000).map {
        ([Label("group", "group-\(100_000 + $0)"), Label("topic", "topic")], Double($0))
    }
    let collectors = [
        Output(
            name: "c",
            output: CollectorOutput(
                families: [.single(name: "a_small", help: "h", value: 1)],
                streamed: [streamed("b_big", many), streamed("c_other", series)]))
    ]
    var scrape = await ScrapeRunner(namespace: "t", collectors: collectors, logger: quietLogger)
        .scrape(timeout: .seconds(5))
    var copy = scrape
    let plain = copy.body(format: .text004, gzip: false).body
    let (compressed, gzipped) = scrape.body(format: .text004, gzip: true)
    #expect(gzipped)
    #expect(compressed.readableBytes < plain.readableBytes / 5)
    let bytes = Array(compressed.readableBytesView)
    let unzipped = try await blocking { try runTool("/bin/gzip", ["-dc"], stdin: bytes) }
    #expect(unzipped.status == 0)
    #expect(unzipped.stdoutBytes == Array(plain.readableBytesView))
    #expect(plain.readableBytes > 2_500_000)
}
