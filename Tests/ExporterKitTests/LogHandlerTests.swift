import Foundation
import Logging
import Testing

@testable import ExporterKit

@Test(
    arguments: [
        ("plain", "plain"), ("", "\"\""), ("two words", "\"two words\""), ("a=b", "\"a=b\""),
        ("say \"hi\"", #""say \"hi\"""#), ("line\nbreak", #""line\nbreak""#), ("tab\there", #""tab\there""#),
        ("back\\slash", "back\\slash"), ("ünïcode", "ünïcode"), ("/path/to:9100", "/path/to:9100"),
        ("\r\n", #""\r\n""#),
    ])
func logfmtQuoting(value: String, expected: String) {
    #expect(StructuredLogHandler.logfmtValue(value) == expected)
}

@Test(
    arguments: [
        ("plain", "plain"), ("q\"uote", #"q\"uote"#), ("back\\slash", #"back\\slash"#), ("a\nb\rc\td", #"a\nb\rc\td"#),
        ("\u{1}\u{1f}", #"\u0001\u001f"#), ("ü €", "ü €"), ("\u{7f}", "\u{7f}"),
    ])
func jsonEscaping(value: String, expected: String) {
    #expect(JSONText.escape(value) == expected)
}

@Test func levelNamesMatchPrometheus() {
    #expect(StructuredLogHandler.name(.trace) == "debug")
    #expect(StructuredLogHandler.name(.debug) == "debug")
    #expect(StructuredLogHandler.name(.info) == "info")
    #expect(StructuredLogHandler.name(.notice) == "info")
    #expect(StructuredLogHandler.name(.warning) == "warn")
    #expect(StructuredLogHandler.name(.error) == "error")
    #expect(StructuredLogHandler.name(.critical) == "error")
}

@Test func basename() {
    #expect(StructuredLogHandler.basename("/a/b/File.swift") == "File.swift")
    #expect(StructuredLogHandler.basename("File.swift") == "File.swift")
}

@Test func timestampIsRFC3339UTCWithMilliseconds() throws {
    let ts = StructuredLogHandler.timestamp()
    let regex = try Regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")
    #expect(ts.wholeMatch(of: regex) != nil, "\(ts)")
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    let date = try #require(formatter.date(from: ts))
    #expect(abs(date.timeIntervalSinceNow) < 5)
}

@Test func metadataCanBeSetThroughTheSubscript() {
    var handler = StructuredLogHandler(label: "x", format: .json, level: .info)
    handler[metadataKey: "k"] = "v"
    #expect(handler.metadata["k"] == "v")
    #expect(handler[metadataKey: "k"] == "v")
}

@Test func logLevelOptions() {
    #expect(LogLevelOption.warn.level == .warning)
    #expect(LogLevelOption.debug.level == .debug)
    #expect(LogLevelOption.allCases.map(\.rawValue) == ["debug", "info", "warn", "error"])
}

/// The handler writes straight to fd 2; a child process captures it without disturbing the other tests.
@Test func logfmtLineOnStderr() async throws {
    let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
        var logger = Logger(label: "t") { _ in StructuredLogHandler(label: "t", format: .logfmt, level: .info) }
        logger[metadataKey: "collector"] = "tcp"
        logger.debug("hidden")
        logger.warning("collector failed", metadata: ["err": "read /proc: \"denied\"", "a": "1"])
    }
    let line = String(decoding: try #require(result).standardErrorContent, as: UTF8.self)
    #expect(line.hasPrefix("ts="))
    #expect(line.hasSuffix("\n"))
    #expect(line.split(separator: "\n").count == 1)
    #expect(line.contains(" level=warn source=LogHandlerTests.swift:"))
    #expect(line.contains(#" msg="collector failed" a=1 collector=tcp err="read /proc: \"denied\"""#))
    #expect(!line.contains("hidden"))
}

@Test func jsonLineOnStderr() async throws {
    let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
        let logger = Logger(label: "t") { _ in StructuredLogHandler(label: "t", format: .json, level: .debug) }
        logger.info("hello \"world\"\n", metadata: ["path": "C:\\x", "n": "\u{1}"])
    }
    let bytes = try #require(result).standardErrorContent
    #expect(bytes.last == 0x0A)
    let object = try JSONSerialization.jsonObject(with: Data(bytes.dropLast())) as? [String: String]
    let fields = try #require(object)
    #expect(fields["level"] == "info")
    #expect(fields["msg"] == "hello \"world\"\n")
    #expect(fields["path"] == "C:\\x")
    #expect(fields["n"] == "\u{1}")
    #expect(fields["ts"]?.hasSuffix("Z") == true)
    #expect(fields["source"]?.hasPrefix("LogHandlerTests.swift:") == true)
}
