import Testing

@testable import LagExporter

/// Table tests of Burrow's rules, one row per rule, ordering and boundary of the reference.
@Suite struct BurrowEvaluatorTests {
    typealias E = BurrowEvaluator

    /// Commits 1 s apart starting at t = 0.
    static func ring(_ offsets: [Int64], lags: [Int64?]) -> [CommitSample] {
        zip(offsets, lags).enumerated().map { i, pair in
            CommitSample(offset: pair.0, order: Int64(i), timestamp: Int64(i) * 1000, lag: pair.1)
        }
    }

    static func status(
        _ offsets: [Int64], lags: [Int64?], currentLag: Int64, now: Int64, logEnd: [Int64] = [],
        settings: EvaluatorSettings = EvaluatorSettings()
    ) -> ConsumerStatus {
        E.partition(
            commits: ring(offsets, lags: lags), currentLag: currentLag, logEndSamples: logEnd, now: now,
            settings: settings
        ).status
    }

    @Test func emptyRingIsOKWithNothingComplete() {
        let e = E.partition(commits: [], currentLag: 100, logEndSamples: [], now: 0, settings: EvaluatorSettings())
        #expect(e.status == .ok && e.complete == 0)
    }

    @Test func incompleteRingIsNotEvaluated() {
        let s = EvaluatorSettings(intervals: 10, minimumComplete: 0.5)
        #expect(Self.status([1, 1, 1], lags: [5, 5, 5], currentLag: 5, now: 1_000_000, settings: s) == .ok)
        // At exactly the minimum it is evaluated.
        let five = Self.status([1, 1, 1, 1, 1], lags: [5, 5, 5, 5, 5], currentLag: 5, now: 1_000_000, settings: s)
        #expect(five == .stop)
    }

    @Test func allowedLagIsAlwaysOK() {
        // Exactly-once topics keep a lag of 1 for ever.
        let s = EvaluatorSettings(allowedLag: 1)
        #expect(Self.status([9, 9], lags: [1, 1], currentLag: 1, now: 1_000_000, settings: s) == .ok)
        #expect(Self.status([9, 9], lags: [2, 2], currentLag: 2, now: 1_000_000, settings: s) == .stop)
    }

    @Test func singleCommitWithLagStopsAsSoonAsTimePasses() {
        #expect(Self.status([10], lags: [5], currentLag: 5, now: 0) == .stall)  // now == last: not stopped
        #expect(Self.status([10], lags: [5], currentLag: 5, now: 1) == .stop)
        // ...unless a log-end sample is at or below the committed offset.
        #expect(Self.status([10], lags: [5], currentLag: 5, now: 1, logEnd: [10, 15]) == .stall)
    }

    @Test func stoppedIsStrictlyGreater() {
        // window 0..2000 ms: stopped only when now - 2000 > 2000.
        #expect(Self.status([1, 2, 3], lags: [5, 6, 7], currentLag: 7, now: 4000) == .warn)
        #expect(Self.status([1, 2, 3], lags: [5, 6, 7], currentLag: 7, now: 4001) == .stop)
    }

    @Test func windowStartingAtLagZeroStillStops() {
        #expect(Self.status([1, 2, 3], lags: [0, 5, 10], currentLag: 10, now: 10_000) == .stop)
    }

    @Test func rewindUnlessRecovered() {
        #expect(Self.status([10, 20, 15, 18], lags: [1, 1, 8, 9], currentLag: 9, now: 3000) == .rewind)
        // Recovered (back to 20): not a rewind; the lag rules decide instead.
        #expect(Self.status([10, 20, 15, 20], lags: [1, 1, 8, 9], currentLag: 9, now: 3000) == .warn)
        #expect(Self.status([10, 20, 15, 20], lags: [9, 8, 8, 7], currentLag: 7, now: 3000) == .ok)
        // STOP is checked before REWIND.
        #expect(Self.status([10, 20, 15, 18], lags: [1, 1, 8, 9], currentLag: 9, now: 100_000) == .stop)
    }

    @Test func stallWhenNoProgressWithLag() {
        #expect(Self.status([7, 7, 7], lags: [3, 4, 5], currentLag: 5, now: 2000) == .stall)
        // One commit in the window with lag <= allowed: not a stall.
        #expect(Self.status([7, 7, 7], lags: [0, 4, 5], currentLag: 5, now: 2000) == .ok)
    }

    @Test func warnWhenLagNeverDecreases() {
        #expect(Self.status([1, 2, 3], lags: [5, 6, 7], currentLag: 7, now: 2000) == .warn)
        #expect(Self.status([1, 2, 3], lags: [5, 5, 5], currentLag: 5, now: 2000) == .warn)
        #expect(Self.status([1, 2, 3], lags: [5, 7, 6], currentLag: 6, now: 2000) == .ok)
    }

    @Test func unknownLagsAreIgnored() {
        #expect(Self.status([1, 2, 3], lags: [nil, 5, 6], currentLag: 6, now: 2000) == .warn)
        #expect(Self.status([1, 2, 3], lags: [nil, 6, 5], currentLag: 6, now: 2000) == .ok)
        // Replayed history only (no known lag): the lag rules do not apply, no false WARN.
        #expect(Self.status([1, 2, 3], lags: [nil, nil, nil], currentLag: 6, now: 2000) == .ok)
        // One live commit after replayed ones shows no trend yet: not WARN.
        #expect(Self.status([1, 2, 3], lags: [nil, nil, 6], currentLag: 6, now: 2000) == .ok)
        // ... but a stuck offset is a STALL whatever the lags.
        #expect(Self.status([3, 3, 3], lags: [nil, nil, 6], currentLag: 6, now: 2000) == .stall)
    }

    @Test func completeIsTheFilledShareOfTheRing() {
        let e = E.partition(
            commits: Self.ring([1, 2], lags: [0, 0]), currentLag: 0, logEndSamples: [], now: 0,
            settings: EvaluatorSettings(intervals: 4))
        #expect(e.complete == 0.5 && e.start?.offset == 1 && e.end?.offset == 2)
    }

    @Test func groupIsTheWorstPartitionWithStopStallRewindAsErr() {
        func p(_ s: ConsumerStatus, lag: Int64, complete: Double = 1) -> PartitionEvaluation {
            PartitionEvaluation(status: s, complete: complete, currentLag: lag, start: nil, end: nil)
        }
        let g = E.group(
            [
                E.PartitionKey("a", 0): p(.ok, lag: 5), E.PartitionKey("a", 1): p(.stop, lag: 9),
                E.PartitionKey("b", 0): p(.warn, lag: 9, complete: 0.5),
            ],
            consumedPartitions: 4)
        #expect(g.status == .err)
        #expect(g.totalLag == 23)
        #expect(g.maxLag == E.PartitionKey("a", 1))  // first of the tie in topic/partition order
        #expect(g.complete == 0.5)  // 2 full of 4 consumed partitions
        #expect(E.group([E.PartitionKey("a", 0): p(.warn, lag: 1)], consumedPartitions: 1).status == .warn)
        #expect(E.group([E.PartitionKey("a", 0): p(.stall, lag: 1)], consumedPartitions: 1).status == .err)
        let none = E.group([:], consumedPartitions: 3)
        #expect(none.status == .notFound && none.complete == 1 && none.totalLag == 0 && none.maxLag == nil)
    }

    @Test func statusCodesAreBurrows() {
        #expect(ConsumerStatus.allCases.map(\.rawValue) == [0, 1, 2, 3, 4, 5, 6])
        #expect(
            ConsumerStatus.allCases.map(\.description) == ["NOTFOUND", "OK", "WARN", "ERR", "STOP", "STALL", "REWIND"])
    }
}
