import Testing

@testable import LagExporter

/// The guards of docs/lag-in-seconds.md, one by one.
@Suite struct OffsetTimeTableTests {
    static func table(_ points: [(Int64, Int64)], capacity: Int = 60) -> OffsetTimeTable {
        var t = OffsetTimeTable(capacity: capacity)
        for (o, ms) in points { t.add(offset: o, time: ms) }
        return t
    }

    static let noLimit: Int64 = .max / 4

    @Test func interpolatesBetweenTheBracketingPoints() {
        // 100 messages per 10 s; offset 150 was the log end at t = 15 s.
        let t = Self.table([(100, 10_000), (200, 20_000), (300, 30_000)])
        #expect(t.lagSeconds(committed: 150, now: 40_000, maxExtrapolationMs: Self.noLimit) == 25)
        #expect(t.lagSeconds(committed: 200, now: 40_000, maxExtrapolationMs: Self.noLimit) == 20)
    }

    @Test func zeroWhenCaughtUpOrAhead() {
        let t = Self.table([(100, 10_000), (200, 20_000)])
        #expect(t.lagSeconds(committed: 200, now: 99_000, maxExtrapolationMs: Self.noLimit) == 0)
        // Ahead of the sampled log end (a commit newer than the last sample): 0, never negative.
        #expect(t.lagSeconds(committed: 250, now: 99_000, maxExtrapolationMs: Self.noLimit) == 0)
        // A single point still knows "caught up".
        #expect(Self.table([(5, 1000)]).lagSeconds(committed: 5, now: 9000, maxExtrapolationMs: 0) == 0)
    }

    @Test func unknownWithFewerThanTwoPoints() {
        #expect(OffsetTimeTable().lagSeconds(committed: 1, now: 1, maxExtrapolationMs: Self.noLimit) == nil)
        #expect(Self.table([(5, 1000)]).lagSeconds(committed: 1, now: 9000, maxExtrapolationMs: Self.noLimit) == nil)
    }

    @Test func flatTableIsUnknownNotNaN() {
        // No writes in the window: division by zero in the naive formula.
        let t = Self.table([(100, 1000), (100, 2000), (100, 3000)])
        #expect(t.points.count == 2)  // the run keeps its first and latest points
        #expect(t.lagSeconds(committed: 50, now: 4000, maxExtrapolationMs: Self.noLimit) == nil)
    }

    @Test func flatPairsAreSkippedForAnIncreasingOne() {
        // Idle from 10 s to 30 s at offset 100, then 100 more by 40 s.
        let t = Self.table([(0, 0), (100, 10_000), (100, 30_000), (200, 40_000)])
        // Offset 100 is bracketed by the flat pair and by (100@30s, 200@40s): the increasing one wins.
        #expect(t.lagSeconds(committed: 100, now: 50_000, maxExtrapolationMs: Self.noLimit) == 20)
        #expect(t.lagSeconds(committed: 50, now: 50_000, maxExtrapolationMs: Self.noLimit) == 45)
    }

    @Test func extrapolationIsBounded() {
        let t = Self.table([(1000, 100_000), (2000, 200_000)])
        // Offset 500 extrapolates to t = 50 s, 50 s before the oldest point.
        #expect(t.lagSeconds(committed: 500, now: 300_000, maxExtrapolationMs: 60_000) == 250)
        // Offset 0 would be 100 s before it: refused (left out rather than astronomically large).
        #expect(t.lagSeconds(committed: 0, now: 300_000, maxExtrapolationMs: 60_000) == nil)
    }

    @Test func neverNegativeEvenWithClockSkew() {
        let t = Self.table([(0, 10_000), (100, 20_000)])
        // "now" before the interpolated time (clock stepped back): 0, not negative.
        #expect(t.lagSeconds(committed: 50, now: 1000, maxExtrapolationMs: Self.noLimit) == 0)
    }

    @Test func ignoresOlderTimesAndLowerOffsets() {
        var t = Self.table([(100, 10_000)])
        t.add(offset: 200, time: 10_000)  // not later
        t.add(offset: 50, time: 20_000)  // offset went back
        #expect(t.points == [.init(offset: 100, time: 10_000)])
    }

    @Test func capacityDropsTheOldest() {
        let t = Self.table((0..<10).map { (Int64($0) * 10, Int64($0) * 1000) }, capacity: 4)
        #expect(t.points.map(\.offset) == [60, 70, 80, 90])
    }
}
