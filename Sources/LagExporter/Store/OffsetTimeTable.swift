/// History of (log-end offset, sample time) points of one partition, shared by every group that
/// reads it: the table lag-in-seconds interpolates over (see docs/lag-in-seconds.md).
public struct OffsetTimeTable: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        public var offset: Int64
        /// ms since the epoch.
        public var time: Int64
    }

    public let capacity: Int
    public private(set) var points: [Point] = []

    public init(capacity: Int = 60) { self.capacity = max(2, capacity) }

    /// Adds a sample. Ignored when not later than the newest point or when the offset went
    /// backwards (a truncated or recreated partition); a run of equal offsets keeps only its
    /// first and latest points, so an idle partition does not push useful history out.
    public mutating func add(offset: Int64, time: Int64) {
        if let last = points.last {
            guard time > last.time, offset >= last.offset else { return }
            if offset == last.offset, points.count >= 2, points[points.count - 2].offset == offset {
                points[points.count - 1] = Point(offset: offset, time: time)
                return
            }
        }
        points.append(Point(offset: offset, time: time))
        if points.count > capacity { points.removeFirst(points.count - capacity) }
    }

    /// Lag in seconds of a consumer whose committed offset is `committed`, at `now` (ms).
    ///
    /// 0 when the consumer is at or past the newest log-end point; nil when unknown: fewer than
    /// two points, no increase in the whole table (nothing to interpolate on), or an
    /// extrapolation reaching more than `maxExtrapolationMs` before the oldest point. Never
    /// negative, never NaN or infinite.
    public func lagSeconds(committed: Int64, now: Int64, maxExtrapolationMs: Int64) -> Double? {
        guard let newest = points.last else { return nil }
        if committed >= newest.offset { return 0 }
        guard points.count >= 2 else { return nil }
        // Newest adjacent pair that brackets the offset with a real increase.
        var pair: (Point, Point)?
        var i = points.count - 1
        while i > 0 {
            let l = points[i - 1]
            let r = points[i]
            if l.offset <= committed && committed <= r.offset && r.offset > l.offset {
                pair = (l, r)
                break
            }
            i -= 1
        }
        let oldest = points[0]
        if pair == nil {
            guard newest.offset > oldest.offset else { return nil }
            pair = (oldest, newest)
        }
        let (l, r) = pair!
        let slope = Double(r.time - l.time) / Double(r.offset - l.offset)
        let t = Double(r.time) - Double(r.offset - committed) * slope
        if t < Double(oldest.time - maxExtrapolationMs) { return nil }
        let lag = (Double(now) - t) / 1000
        guard lag.isFinite else { return nil }
        return max(0, lag)
    }
}
