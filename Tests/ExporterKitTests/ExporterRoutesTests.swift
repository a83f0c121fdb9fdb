import NIOHTTP1
import Testing

@testable import ExporterKit

private func routes(_ collectors: [any Collector] = []) -> ExporterRoutes {
    ExporterRoutes(
        telemetryPath: "/custom/metrics", build: BuildInfo(program: "p", version: "v", revision: "r"),
        runner: ScrapeRunner(namespace: "t", collectors: collectors, logger: quietLogger), maxConcurrentScrapes: 0)
}

@Test(
    arguments: [
        ("10", Duration.milliseconds(9500)), ("0.7", .milliseconds(200)), ("0.3", .milliseconds(100)),
        (" 2 ", .milliseconds(1500)), ("0", .seconds(30)), ("-5", .seconds(30)), ("abc", .seconds(30)),
        ("", .seconds(30)), ("nan", .seconds(30)), ("inf", .seconds(30)),
    ])
func scrapeTimeoutFromPrometheusHeader(header: String, expected: Duration) {
    #expect(
        ExporterRoutes.scrapeTimeout(header: header, default: .seconds(30), offset: .milliseconds(500)) == expected)
}

@Test func scrapeTimeoutWithoutHeaderIsTheDefault() {
    #expect(ExporterRoutes.scrapeTimeout(header: nil, default: .seconds(7), offset: .milliseconds(500)) == .seconds(7))
}

/// `Int64(seconds * 1000)` traps for values above ~9.2e15 s, so any client can crash the exporter with
/// `X-Prometheus-Scrape-Timeout-Seconds: 1e300` (ExporterRoutes.swift:94). Run in a child process.
@Test func hugeScrapeTimeoutHeaderDoesNotCrash() async {
    await #expect(processExitsWith: .success) {
        let t = ExporterRoutes.scrapeTimeout(header: "1e300", default: .seconds(30), offset: .milliseconds(500))
        precondition(t > .zero)
    }
}

@Test func customTelemetryPathAndUnlimitedScrapes() async {
    let r = routes([ClosureCollector(name: "c") { [.single(name: "c_value", help: "h", value: 1)] }])
    let metrics = await r.respond(to: HTTPRequest(method: .GET, uri: "/custom/metrics"))
    #expect(metrics.status == .ok)
    #expect(String(decoding: metrics.body, as: UTF8.self).contains("c_value 1\n"))
    #expect(await r.respond(to: HTTPRequest(method: .GET, uri: "/metrics")).status == .notFound)
}

/// A collector shadowing the runner's own families fails alone; the scrape is still served.
@Test func shadowingSelfMetricsFailsOnlyThatCollector() async {
    let r = routes([ClosureCollector(name: "c") { [.single(name: "t_scrape_collector_success", help: "h", value: 1)] }])
    let response = await r.respond(to: HTTPRequest(method: .GET, uri: "/custom/metrics"))
    #expect(response.status == .ok)
    #expect(String(decoding: response.body, as: UTF8.self).contains(#"t_scrape_collector_success{collector="c"} 0"#))
}

private struct Echo: HTTPResponder {
    func respond(to request: HTTPRequest) async -> HTTPResponse {
        .text(.ok, "\(request.path) \(request.query.sorted { $0.key < $1.key })")
    }
}

@Test func extraRoutesByPrefixBefore404() async {
    var r = routes()
    r.extraRoutes = [(prefix: "/v3/kafka", responder: Echo())]
    let hit = await r.respond(to: HTTPRequest(method: .GET, uri: "/v3/kafka/x?a=1"))
    #expect(hit.status == .ok)
    #expect(String(decoding: hit.body, as: UTF8.self) == #"/v3/kafka/x [(key: "a", value: "1")]"#)
    #expect(await r.respond(to: HTTPRequest(method: .GET, uri: "/v3/other")).status == .notFound)
}

@Test func requestPathAndQuery() {
    let r = HTTPRequest(method: .GET, uri: "/p/q?x=1&y=a%20b+c&flag&z=%zz")
    #expect(r.path == "/p/q")
    #expect(r.query == ["x": "1", "y": "a b c", "flag": "", "z": "%zz"])
    #expect(HTTPRequest(method: .GET, uri: "/plain").query == [:])
}

@Test func landingExtrasAreIncluded() async {
    var r = routes()
    r.landingExtras = { "<p id=\"extra\">hello</p>" }
    let page = await r.respond(to: HTTPRequest(method: .GET, uri: "/"))
    #expect(String(decoding: page.body, as: UTF8.self).contains("<p id=\"extra\">hello</p>"))
    #expect(await r.respond(to: HTTPRequest(method: .POST, uri: "/")).status == .methodNotAllowed)
}

@Test func escapeHTMLEscapesMarkupCharacters() {
    #expect(escapeHTML(#"<a href="x">'&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    #expect(escapeHTML("plain ü") == "plain ü")
}

@Test func scrapeLimiter() {
    let limiter = ScrapeLimiter()
    #expect(limiter.tryAcquire(max: 2))
    #expect(limiter.tryAcquire(max: 2))
    #expect(!limiter.tryAcquire(max: 2))
    limiter.release()
    #expect(limiter.tryAcquire(max: 2))
    #expect(limiter.tryAcquire(max: 0))
}
