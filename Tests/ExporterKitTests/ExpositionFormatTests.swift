import Testing

@testable import ExporterKit

@Test func prometheus242AcceptHeaderGetsOpenMetrics() {
    let header =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
        + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
    #expect(ExpositionFormat.negotiate(accept: header) == .openMetrics100)
}

@Test func prometheus3AcceptHeaderGetsOpenMetrics() {
    // Prometheus 3 also offers protobuf first, which we do not serve.
    let header =
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,"
        + "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
        + "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,"
        + "text/plain;version=0.0.4;q=0.2,*/*;q=0.1"
    #expect(ExpositionFormat.negotiate(accept: header) == .openMetrics100)
}

@Test(
    arguments: [
        // curl, browsers, old Prometheus
        "*/*", "text/plain;version=0.0.4", "text/plain", "text/*", "TEXT/PLAIN; Version=0.0.4",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        // text preferred by q
        "application/openmetrics-text;version=1.0.0;q=0.2,text/plain;version=0.0.4;q=0.9",
        "application/openmetrics-text; q=0.5, */*",
        // OpenMetrics refused or unknown version
        "application/openmetrics-text;q=0", "application/openmetrics-text;version=2.0.0",
        "application/openmetrics-text;q=abc",
        // garbage
        "", ";;;", ",,,", "garbage", "application/json", "=;=,q=1", "\u{0}\u{1}",
    ])
func negotiatesText(accept: String) {
    #expect(ExpositionFormat.negotiate(accept: accept) == .text004)
}

@Test(
    arguments: [
        "application/openmetrics-text", "application/openmetrics-text;version=1.0.0",
        "application/openmetrics-text; version=0.0.1", "Application/OpenMetrics-Text;version=1.0.0",
        "text/plain;q=0.5,application/openmetrics-text;q=0.9", "*/*;q=0.1, application/openmetrics-text;q=0.2",
        "application/openmetrics-text;version=2.0.0,application/openmetrics-text;version=1.0.0;q=0.3,text/plain;q=0.2",
        " application/openmetrics-text ; version=1.0.0 ; q=1 ",
    ])
func negotiatesOpenMetrics(accept: String) {
    #expect(ExpositionFormat.negotiate(accept: accept) == .openMetrics100)
}

@Test func missingHeaderGetsText() {
    #expect(ExpositionFormat.negotiate(accept: nil) == .text004)
}

@Test func contentTypes() {
    #expect(ExpositionFormat.text004.contentType == "text/plain; version=0.0.4; charset=utf-8")
    #expect(ExpositionFormat.openMetrics100.contentType == "application/openmetrics-text; version=1.0.0; charset=utf-8")
}

@Test func trimmingSpaces() {
    #expect(Substring(" \t a b \t ").trimmingSpaces() == "a b")
    #expect(Substring("   ").trimmingSpaces() == "")
    #expect(Substring("").trimmingSpaces() == "")
}
