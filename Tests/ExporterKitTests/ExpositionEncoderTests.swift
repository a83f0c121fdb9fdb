import Foundation
import Testing

@testable import ExporterKit

private func sampleFamilies() -> [MetricFamily] {
    var requests = MetricFamily(name: "app_requests", help: "Requests served.", type: .counter)
    requests.add([("method", "post"), ("code", "200")], 3)
    requests.add([("code", "200"), ("method", "get")], 10)
    var temp = MetricFamily(name: "app_temperature_celsius", help: "Temperature.", type: .gauge, unit: "celsius")
    temp.add([("room", "b")], 21.5)
    temp.add([("room", "a")], -3)
    let legacy = MetricFamily.single(name: "app_legacy", help: "Old thing.", type: .untyped, value: 7)
    return [temp, requests, legacy]
}

private let expectedText = """
    # HELP app_legacy Old thing.
    # TYPE app_legacy untyped
    app_legacy 7
    # HELP app_requests_total Requests served.
    # TYPE app_requests_total counter
    app_requests_total{code="200",method="get"} 10
    app_requests_total{code="200",method="post"} 3
    # HELP app_temperature_celsius Temperature.
    # TYPE app_temperature_celsius gauge
    app_temperature_celsius{room="a"} -3
    app_temperature_celsius{room="b"} 21.5

    """

private let expectedOpenMetrics = """
    # HELP app_legacy Old thing.
    # TYPE app_legacy unknown
    app_legacy 7
    # HELP app_requests Requests served.
    # TYPE app_requests counter
    app_requests_total{code="200",method="get"} 10
    app_requests_total{code="200",method="post"} 3
    # HELP app_temperature_celsius Temperature.
    # TYPE app_temperature_celsius gauge
    # UNIT app_temperature_celsius celsius
    app_temperature_celsius{room="a"} -3
    app_temperature_celsius{room="b"} 21.5
    # EOF

    """

@Test func goldenText004() throws {
    #expect(try ExpositionEncoder.encodeString(sampleFamilies(), format: .text004) == expectedText)
}

@Test func goldenOpenMetrics() throws {
    #expect(try ExpositionEncoder.encodeString(sampleFamilies(), format: .openMetrics100) == expectedOpenMetrics)
}

@Test func encodeBytesMatchEncodeString() throws {
    let bytes = try ExpositionEncoder.encode(sampleFamilies(), format: .text004)
    #expect(String(decoding: bytes, as: UTF8.self) == expectedText)
}

@Test func outputIsSortedRegardlessOfInputOrder() throws {
    let reference = try ExpositionEncoder.encodeString(sampleFamilies(), format: .openMetrics100)
    var shuffled = sampleFamilies().reversed().map { f -> MetricFamily in
        var f = f
        f.samples.reverse()
        for i in f.samples.indices { f.samples[i].labels.reverse() }
        return f
    }
    #expect(try ExpositionEncoder.encodeString(shuffled, format: .openMetrics100) == reference)
    shuffled.swapAt(0, 1)
    #expect(try ExpositionEncoder.encodeString(shuffled, format: .openMetrics100) == reference)
}

@Test func seriesSortByLabelValuesThenLabelCount() throws {
    var f = MetricFamily(name: "m", help: "h", type: .gauge)
    f.add([("a", "2")], 1)
    f.add([("a", "1"), ("b", "x")], 2)
    f.add([("a", "1")], 3)
    f.add([], 4)
    let out = try ExpositionEncoder.encodeString([f], format: .text004)
    #expect(
        out == """
            # HELP m h
            # TYPE m gauge
            m 4
            m{a="1"} 3
            m{a="1",b="x"} 2
            m{a="2"} 1

            """)
}

@Test func labelValuesAreEscaped() throws {
    var f = MetricFamily(name: "m", help: "h", type: .gauge)
    f.add([("v", "a\\b\"c\nd")], 1)
    for format in [ExpositionFormat.text004, .openMetrics100] {
        let out = try ExpositionEncoder.encodeString([f], format: format)
        #expect(out.contains(#"m{v="a\\b\"c\nd"} 1"#), "\(format): \(out)")
    }
}

@Test func helpEscapingInTextEscapesOnlyBackslashAndNewline() throws {
    let f = MetricFamily.single(name: "m", help: "a \"quoted\" \\ back\nslash", value: 1)
    let text = try ExpositionEncoder.encodeString([f], format: .text004)
    #expect(text.hasPrefix(#"# HELP m a "quoted" \\ back\nslash"# + "\n"))
    let om = try ExpositionEncoder.encodeString([f], format: .openMetrics100)
    #expect(om.hasPrefix(#"# HELP m a \"quoted\" \\ back\nslash"# + "\n"))
}

@Test func unicodeIsPassedThroughUnescaped() throws {
    var f = MetricFamily(name: "m", help: "température °C", type: .gauge)
    f.add([("room", "salle à manger 🍽")], 1)
    let out = try ExpositionEncoder.encodeString([f], format: .text004)
    #expect(out.contains("# HELP m température °C\n"))
    #expect(out.contains("m{room=\"salle à manger 🍽\"} 1\n"))
}

@Test(
    arguments: [
        (Double.nan, "NaN"), (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (0, "0"), (-0.0, "0"),
        (42, "42"), (-7, "-7"), (0.5, "0.5"), (1.25e-7, "1.25e-07"), (1e21, "1e+21"), (1e15, "1000000000000000"),
        (9_007_199_254_740_993, "9007199254740992.0"), (2.5e16, "2.5e+16"), (123_456.789, "123456.789"),
    ])
func valueFormatting(value: Double, expected: String) {
    #expect(ExpositionEncoder.formatValue(value) == expected)
}

@Test func formattedValuesParseBackToTheSameDouble() {
    for v in [0.1, 1.0 / 3.0, 1e21, 1e-300, Double.greatestFiniteMagnitude, 4_503_599_627_370_497.5, -2.5e10] {
        let text = ExpositionEncoder.formatValue(v)
        #expect(Double(text) == v, "\(v) -> \(text)")
    }
}

@Test func specialValuesInOutput() throws {
    var f = MetricFamily(name: "m", help: "h", type: .gauge)
    f.add([("k", "nan")], .nan)
    f.add([("k", "pinf")], .infinity)
    f.add([("k", "ninf")], -.infinity)
    f.add([("k", "big")], 1e21)
    let out = try ExpositionEncoder.encodeString([f], format: .text004)
    let samples = sampleLines(out)
    #expect(samples[#"m{k="nan"}"#] == "NaN")
    #expect(samples[#"m{k="pinf"}"#] == "+Inf")
    #expect(samples[#"m{k="ninf"}"#] == "-Inf")
    #expect(samples[#"m{k="big"}"#] == "1e+21")
}

@Test func emptyFamilyListEncodesToNothingOrJustEOF() throws {
    #expect(try ExpositionEncoder.encodeString([], format: .text004) == "")
    #expect(try ExpositionEncoder.encodeString([], format: .openMetrics100) == "# EOF\n")
}

@Test func familyWithoutSamplesKeepsMetadata() throws {
    let f = MetricFamily(name: "m", help: "h", type: .gauge)
    #expect(try ExpositionEncoder.encodeString([f], format: .text004) == "# HELP m h\n# TYPE m gauge\n")
}

@Test func duplicateSeriesIsRejected() {
    var f = MetricFamily(name: "m", help: "h", type: .gauge)
    f.add([("a", "1"), ("b", "2")], 1)
    f.add([("b", "2"), ("a", "1")], 2)
    #expect(throws: ExpositionError.duplicateSeries(family: "m", labels: #"a="1",b="2""#)) {
        try ExpositionEncoder.encode([f], format: .text004)
    }
}

/// Prometheus compares label values byte by byte, so NFC "é" and NFD "e\u{301}" are two series. Swift's `String ==`
/// uses canonical equivalence, so ExpositionValidator.normalized (line 37) reports them as a duplicate series and
/// the whole family (and collector) fails, e.g. for two consumer groups whose names differ only in normalization.
@Test func canonicallyEquivalentButDifferentLabelValuesAreDistinctSeries() throws {
    var f = MetricFamily(name: "m", help: "h", type: .gauge)
    f.add([("group", "caf\u{E9}")], 1)
    f.add([("group", "cafe\u{301}")], 2)
    let out = try ExpositionEncoder.encode([f], format: .text004)
    // Compare bytes: String.contains would also treat the two spellings as equal.
    #expect(findSubsequence(Array("m{group=\"caf\u{E9}\"} 1\n".utf8), in: out) != nil)
    #expect(findSubsequence(Array("m{group=\"cafe\u{301}\"} 2\n".utf8), in: out) != nil)
}

@Test func duplicateUnlabelledSeriesIsRejected() {
    var f = MetricFamily(name: "m", help: "h", type: .gauge)
    f.add([], 1)
    f.add([], 2)
    #expect(throws: ExpositionError.duplicateSeries(family: "m", labels: "")) {
        try ExpositionEncoder.encode([f], format: .text004)
    }
}

@Test func duplicateLabelInOneSampleIsRejected() {
    var f = MetricFamily(name: "m", help: "h", type: .gauge)
    f.add([("a", "1"), ("a", "2")], 1)
    #expect(throws: ExpositionError.duplicateLabel(family: "m", label: "a")) {
        try ExpositionEncoder.encode([f], format: .text004)
    }
}

@Test func duplicateFamilyIsRejected() {
    let a = MetricFamily.single(name: "m", help: "h", value: 1)
    let b = MetricFamily.single(name: "m", help: "other", type: .untyped, value: 2)
    #expect(throws: ExpositionError.duplicateFamily("m")) {
        try ExpositionEncoder.encode([a, b], format: .text004)
    }
}

@Test func counterCollidesWithGaugeNamedLikeItsSamples() {
    let counter = MetricFamily.single(name: "x", help: "h", type: .counter, value: 1)
    let gauge = MetricFamily.single(name: "x_total", help: "h", type: .gauge, value: 2)
    for families in [[counter, gauge], [gauge, counter]] {
        #expect(throws: ExpositionError.duplicateFamily("x_total")) {
            try ExpositionEncoder.encode(families, format: .text004)
        }
    }
}

@Test func counterNameMustNotCarryTotal() {
    let f = MetricFamily.single(name: "x_total", help: "h", type: .counter, value: 1)
    #expect(throws: ExpositionError.self) { try ExpositionEncoder.encode([f], format: .text004) }
}

@Test(arguments: ["", "1abc", "a-b", "a b", "a.b", "é", "a{b}"])
func invalidMetricNamesAreRejected(name: String) {
    let f = MetricFamily.single(name: name, help: "h", value: 1)
    #expect(throws: ExpositionError.invalidMetricName(name)) { try ExpositionEncoder.encode([f], format: .text004) }
}

@Test(arguments: ["a", "_a", "a:b", "ns:sub_system:x9", "A_B"])
func validMetricNames(name: String) {
    #expect(ExpositionValidator.isValidMetricName(name))
}

@Test(arguments: ["", "1a", "a-b", "a:b", "__name__", "__reserved", "é"])
func invalidLabelNamesAreRejected(label: String) {
    var f = MetricFamily(name: "m", help: "h", type: .gauge)
    f.add([(label, "v")], 1)
    #expect(throws: ExpositionError.invalidLabelName(family: "m", label: label)) {
        try ExpositionEncoder.encode([f], format: .text004)
    }
}

@Test(arguments: ["a", "_a", "a_", "A9", "_"])
func validLabelNames(label: String) {
    #expect(ExpositionValidator.isValidLabelName(label))
}

@Test func unitMustBeTheNameSuffix() {
    let bad = MetricFamily.single(name: "latency_ms", help: "h", unit: "seconds", value: 1)
    #expect(throws: ExpositionError.unitMismatch(family: "latency_ms", unit: "seconds")) {
        try ExpositionEncoder.encode([bad], format: .openMetrics100)
    }
    // A name that merely ends with the unit's letters (no underscore) is not the unit suffix.
    let glued = MetricFamily.single(name: "latencyseconds", help: "h", unit: "seconds", value: 1)
    #expect(throws: ExpositionError.unitMismatch(family: "latencyseconds", unit: "seconds")) {
        try ExpositionEncoder.encode([glued], format: .openMetrics100)
    }
}

@Test func counterWithUnitInOpenMetrics() throws {
    let f = MetricFamily.single(name: "cpu_seconds", help: "CPU.", type: .counter, unit: "seconds", value: 1.5)
    #expect(
        try ExpositionEncoder.encodeString([f], format: .openMetrics100) == """
            # HELP cpu_seconds CPU.
            # TYPE cpu_seconds counter
            # UNIT cpu_seconds seconds
            cpu_seconds_total 1.5
            # EOF

            """)
    #expect(
        try ExpositionEncoder.encodeString([f], format: .text004) == """
            # HELP cpu_seconds_total CPU.
            # TYPE cpu_seconds_total counter
            cpu_seconds_total 1.5

            """)
}

@Test func errorDescriptionsNameTheProblem() {
    #expect(ExpositionError.duplicateFamily("m").description == "metric family m emitted twice")
    #expect(
        ExpositionError.duplicateSeries(family: "m", labels: #"a="1""#).description
            == #"metric m: duplicate series {a="1"}"#)
    #expect(ExpositionError.invalidLabelName(family: "m", label: "__x").description.contains("__x"))
}

/// promtool is the reference parser and linter. The test command installs it (apt package `prometheus`), so a
/// missing binary is a failure, not a skip.
@Test func promtoolAcceptsTextOutput() throws {
    let promtool = "/usr/bin/promtool"
    try #require(
        FileManager.default.isExecutableFile(atPath: promtool),
        "promtool is missing at \(promtool): install the `prometheus` apt package (the test command does)")
    var families = sampleFamilies()
    var odd = MetricFamily(name: "app_odd_values", help: "Odd \\ values\nhere.", type: .gauge)
    odd.add([("v", "a\\b\"c\nd")], .nan)
    odd.add([("v", "inf")], .infinity)
    odd.add([("v", "ninf")], -.infinity)
    odd.add([("v", "big")], 1e21)
    odd.add([("v", "tiny")], 1.25e-7)
    odd.add([("v", "unicode ü")], -0.0)
    families.append(odd)
    families.append(.single(name: "app_cpu_seconds", help: "CPU.", type: .counter, unit: "seconds", value: 1.5))
    let text = try ExpositionEncoder.encode(families, format: .text004)
    let result = try runTool(promtool, ["check", "metrics"], stdin: text)
    #expect(
        result.status == 0,
        "promtool exit \(result.status): \(result.stdout)\(result.stderr)\n--- input:\n\(String(decoding: text, as: UTF8.self))"
    )
}

@Test func promtoolRejectsBrokenInput() throws {
    // Shows the promtool test above can fail: the same tool rejects a malformed exposition.
    let promtool = "/usr/bin/promtool"
    try #require(FileManager.default.isExecutableFile(atPath: promtool), "promtool is missing at \(promtool)")
    let result = try runTool(promtool, ["check", "metrics"], stdin: Array("m{a=\"1\"} notanumber\n".utf8))
    #expect(result.status != 0)
}
