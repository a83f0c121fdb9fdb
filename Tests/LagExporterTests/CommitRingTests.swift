import Testing

@testable import LagExporter

@Suite struct CommitRingTests {
    static func c(_ offset: Int64, order: Int64, t: Int64, lag: Int64? = 0) -> CommitSample {
        CommitSample(offset: offset, order: order, timestamp: t, lag: lag)
    }

    @Test func keepsTheLastIntervalsInOrder() {
        var r = CommitRing(capacity: 3)
        for i in 0..<5 { r.add(Self.c(Int64(i * 10), order: Int64(i), t: Int64(i) * 1000)) }
        #expect(r.commits.map(\.offset) == [20, 30, 40])
        #expect(r.newest?.order == 4)
    }

    @Test func duplicatesDroppedLateCommitsSorted() {
        var r = CommitRing(capacity: 5)
        r.add(Self.c(10, order: 10, t: 1000))
        r.add(Self.c(30, order: 30, t: 3000))
        let duplicate = r.add(Self.c(10, order: 10, t: 1000))
        let late = r.add(Self.c(20, order: 20, t: 2000))
        #expect(!duplicate && late)
        #expect(r.commits.map(\.order) == [10, 20, 30])
    }

    @Test func minDistanceOverwritesTheNewestKeepingItsTimestamp() {
        var r = CommitRing(capacity: 5)
        r.add(Self.c(10, order: 1, t: 1000), minDistanceMs: 5000)
        r.add(Self.c(11, order: 2, t: 3000), minDistanceMs: 5000)
        #expect(r.commits == [Self.c(11, order: 2, t: 1000)])
        r.add(Self.c(12, order: 3, t: 7000), minDistanceMs: 5000)
        #expect(r.commits.map(\.offset) == [11, 12])
    }

    @Test func expireDropsOldCommits() {
        var r = CommitRing(capacity: 5)
        r.add(Self.c(1, order: 1, t: 1000))
        r.add(Self.c(2, order: 2, t: 5000))
        let emptied = r.expire(olderThan: 2000)
        #expect(!emptied && r.commits.map(\.offset) == [2])
        let emptiedNow = r.expire(olderThan: 6000)
        #expect(emptiedNow)
    }

    @Test func logEndRingLagIsNeverNegativeAndUnknownBeforeASample() {
        var l = LogEndRing(capacity: 2)
        #expect(l.lag(of: 5) == nil)
        l.add(offset: 100, timestamp: 1)
        l.add(offset: 120, timestamp: 2)
        l.add(offset: 130, timestamp: 3)
        #expect(l.offsets == [120, 130])
        #expect(l.lag(of: 100) == 30 && l.lag(of: 200) == 0)
    }

    @Test func fullRingStaysInItsBufferAndSortsLateCommits() {
        var r = CommitRing(capacity: 10)
        for i in 0..<100 { r.add(Self.c(Int64(i), order: Int64(i * 10), t: Int64(i))) }
        #expect(r.commits.map(\.order) == Array(stride(from: 900, through: 990, by: 10)).map(Int64.init))
        // Appending to a full array would have doubled it: the rings are most of the memory.
        #expect(r.commits.capacity < 20)
        // A late commit inside the window is sorted in, the oldest falls out.
        r.add(Self.c(7, order: 955, t: 7))
        #expect(r.commits.map(\.order) == [910, 920, 930, 940, 950, 955, 960, 970, 980, 990])
        // One older than the whole window falls out at once.
        r.add(Self.c(1, order: 5, t: 1))
        #expect(r.commits.first?.order == 910 && r.commits.count == 10)
    }

    @Test func unknownLagRoundTrips() {
        #expect(Self.c(1, order: 1, t: 1, lag: nil).lag == nil)
        #expect(Self.c(1, order: 1, t: 1, lag: 0).lag == 0)
        var s = Self.c(1, order: 1, t: 1, lag: 5)
        s.lag = nil
        #expect(s.lag == nil && s != Self.c(1, order: 1, t: 1, lag: 5))
    }
}
