import Testing

@testable import LagExporter

/// A cluster is up while every ingest loop keeps its appointment: a hung broker fails no
/// request until the request timeout, so an overdue loop is what reports it.
@Test func upNeedsEveryLoopOnTime() {
    var p = IngestProgress()
    #expect(!p.isUp(at: 1000), "never heard from")
    p.heard("offsets_topic", at: 1000, cadence: .seconds(1), grace: .seconds(10))
    p.heard("log_end_offsets", at: 1000, cadence: .seconds(10), grace: .seconds(10))
    #expect(p.isUp(at: 1000))
    #expect(p.isUp(at: 1010.9))
    #expect(!p.isUp(at: 1011.1), "the offsets topic reader is overdue")
    #expect(p.overdue(at: 1011.1) == ["offsets_topic"])
    #expect(p.overdue(at: 1021) == ["log_end_offsets", "offsets_topic"])
    p.heard("offsets_topic", at: 1020, cadence: .seconds(1), grace: .seconds(10))
    #expect(p.isUp(at: 1020))
    p.lastError = "Fetch __consumer_offsets-0: timed out"
    #expect(!p.isUp(at: 1020), "a failed request is down whatever the schedule")
}
