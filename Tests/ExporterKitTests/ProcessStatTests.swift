import Foundation
import Testing

@testable import ExporterKit

/// Fields 3... of proc(5) `stat` after the command name, with utime=1234 stime=56 starttime=789 vsize=4096000
/// rss=250.
private let tail =
    " S 1 2 3 0 -1 4194560 100 0 0 0 1234 56 0 0 20 0 4 0 789 4096000 250 18446744073709551615 1 1 0 0 0 0 0 0 0"
    + " 0 0 0 17 3 0 0 0 0 0\n"

@Test(arguments: ["exporter", "my exporter", "a) b (c", "))", "(", "x) S 1 2 3", ""])
func parsesStatWhateverTheCommandName(comm: String) throws {
    let stat = try ProcessStat.parse("4242 (\(comm))" + tail, path: "stat")
    #expect(stat.utime == 1234)
    #expect(stat.stime == 56)
    #expect(stat.startTicks == 789)
    #expect(stat.vsize == 4_096_000)
    #expect(stat.rssPages == 250)
}

@Test(arguments: [
    "", "4242 exporter S 1", "4242 (x) S 1 2 3", "4242 (x)" + tail.replacingOccurrences(of: "1234", with: "-1"),
])
func rejectsMalformedStat(text: String) {
    #expect(throws: ProcFileError.self) { try ProcessStat.parse(text, path: "/proc/self/stat") }
}

@Test func readsOwnStat() throws {
    let stat = try ProcessStat.read()
    #expect(stat.vsize > 0)
    #expect(stat.rssPages > 0)
}

@Test func processCollectorFamiliesEncode() async throws {
    let families = try await ProcessCollector().collect()
    let names = Set(families.map(\.name))
    #expect(
        names.isSuperset(of: [
            "process_cpu_seconds", "process_resident_memory_bytes", "process_virtual_memory_bytes", "process_open_fds",
            "process_max_fds", "process_start_time_seconds",
        ]))
    let text = try ExpositionEncoder.encodeString(families, format: .text004)
    let samples = sampleLines(text)
    #expect(samples["process_cpu_seconds_total"] != nil)
    #expect((Double(samples["process_open_fds"] ?? "") ?? 0) >= 3)
    #expect((Double(samples["process_resident_memory_bytes"] ?? "") ?? 0) > 1_000_000)
    let start = Double(samples["process_start_time_seconds"] ?? "") ?? 0
    #expect(abs(start - Date().timeIntervalSince1970) < 24 * 3600)
    let om = try ExpositionEncoder.encodeString(families, format: .openMetrics100)
    #expect(om.contains("# UNIT process_cpu_seconds seconds\n"))
}

@Test func bootTimeIsPlausible() throws {
    let boot = try ProcessCollector.bootTime()
    #expect(boot > 1_000_000_000)
    #expect(boot < Date().timeIntervalSince1970)
}

@Test func readerCollectorsEncodeTogether() async throws {
    let tracker = ReloadTracker()
    tracker.record(success: false)
    let runner = ScrapeRunner(
        namespace: "t",
        collectors: [
            ProcessCollector(), tracker.collector(namespace: "t"), BuildInfo(program: "p").collector(namespace: "t"),
        ],
        logger: quietLogger)
    let families = await runner.gather(timeout: .seconds(5))
    let text = try ExpositionEncoder.encodeString(families, format: .text004)
    let samples = sampleLines(text)
    #expect(samples["t_config_last_reload_successful"] == "0")
    #expect(samples[#"t_scrape_collector_success{collector="process"}"#] == "1")
    #expect(text.contains("t_build_info{"))
    #expect(!tracker.lastSucceeded)
    tracker.record(success: true)
    #expect(tracker.lastSucceeded)
}
