import ExporterKit
import Testing

@testable import PushGateway

@Suite struct TextFormatParserTests {
    func parse(_ text: String) throws -> TextFormatParser.Result {
        try TextFormatParser.parse(Array(text.utf8))
    }

    func failure(_ text: String) -> String? {
        do {
            _ = try TextFormatParser.parse(Array(text.utf8))
            return nil
        } catch {
            return error.description
        }
    }

    @Test func whatThePythonClientSends() throws {
        let r = try parse(
            """
            # HELP req_total Requests.
            # TYPE req_total counter
            req_total{path="/a"} 3.0
            # HELP req_created Requests.
            # TYPE req_created gauge
            req_created{path="/a"} 1.7e9
            # HELP lat Latency.
            # TYPE lat histogram
            lat_bucket{le="0.5"} 1.0
            lat_bucket{le="+Inf"} 2.0
            lat_count 2.0
            lat_sum 0.75
            # TYPE q summary
            q{quantile="0.9",x="1"} 4
            q_sum{x="1"} 10
            q_count{x="1"} 3.9

            """)
        #expect(!r.hasTimestamps)
        #expect(r.families.keys.sorted() == ["lat", "q", "req_created", "req_total"])
        #expect(
            r.families["req_total"]
                == PushedFamily(
                    name: "req_total", help: "Requests.", type: .counter,
                    metrics: [PushedMetric(labels: [Label("path", "/a")], value: .simple(3))]))
        #expect(
            r.families["lat"]?.metrics == [
                PushedMetric(
                    labels: [],
                    value: .histogram(
                        count: 2, sum: 0.75, buckets: [.init(at: 0.5, value: 1), .init(at: .infinity, value: 2)]))
            ])
        // A summary's count is truncated to a whole number, as the Pushgateway stores it.
        #expect(
            r.families["q"]?.metrics == [
                PushedMetric(
                    labels: [Label("x", "1")], value: .summary(count: 3, sum: 10, quantiles: [.init(at: 0.9, value: 4)])
                )
            ])
    }

    @Test func suffixesBelongToTheirFamilyOnlyWhenDeclared() throws {
        let r = try parse("lat_bucket{le=\"1\"} 1\nlat_sum 2\n")
        #expect(r.families.keys.sorted() == ["lat_bucket", "lat_sum"])
        #expect(r.families["lat_bucket"]?.metrics.first?.labels == [Label("le", "1")])
    }

    @Test func labelsEscapesAndBlanks() throws {
        let r = try parse("m { b=\"x\\\\y\" , a=\"q\\\"\\n\", } 1\n# HELP m two\\nlines \\\\\n")
        let f = try #require(r.families["m"])
        #expect(f.metrics.first?.labels == [Label("a", "q\"\n"), Label("b", "x\\y")])
        #expect(f.help == "two\nlines \\")
    }

    @Test func timestampsAreReported() throws {
        #expect(try parse("m 1 1700000000000\n").hasTimestamps)
        #expect(failure("m 1 12.5\n")?.contains("expected integer as timestamp") == true)
    }

    @Test func errorsNameTheLine() {
        #expect(
            failure("ok 1\nfoo{ 3\n") == "text format parsing error in line 2: invalid label name for metric \"foo\"")
        #expect(
            failure("# TYPE m gauge\n# TYPE m counter\n")?.contains("second TYPE line for metric name \"m\"") == true)
        #expect(failure("m 1\n# TYPE m gauge\n")?.contains("TYPE reported after samples") == true)
        #expect(failure("# HELP m a\n# HELP m b\n")?.contains("second HELP line") == true)
        #expect(failure("# TYPE m bogus\n")?.contains("unknown metric type \"bogus\"") == true)
        #expect(failure("m{a=\"1\",a=\"2\"} 1\n")?.contains("duplicate label names") == true)
        #expect(failure("m{__name__=\"x\"} 1\n")?.contains("reserved") == true)
        #expect(failure("m{a=\"\\t\"} 1\n")?.contains("invalid escape sequence") == true)
        #expect(failure("m abc\n")?.contains("expected float as value") == true)
        #expect(failure("m 0x10\n")?.contains("expected float as value") == true)
        #expect(failure("m 1 2 3\n")?.contains("spurious string after timestamp") == true)
        #expect(failure("# TYPE h histogram\nh_bucket{le=\"x\"} 1\n")?.contains("'le' label") == true)
    }

    @Test func typeIsCaseInsensitiveAndOtherCommentsIgnored() throws {
        let r = try parse("# a comment\n# TYPE m GAUGE\n#HELP m text\nm 1\n")
        #expect(r.families["m"]?.type == .gauge)
        #expect(r.families["m"]?.help == "text")
    }

    @Test func emptyBodyIsNoFamilies() throws {
        #expect(try parse("").families.isEmpty)
        #expect(try parse("\n\n  \n").families.isEmpty)
    }
}
