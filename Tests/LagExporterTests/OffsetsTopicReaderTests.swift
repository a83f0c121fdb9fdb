import Testing

@testable import LagExporter

/// Stepping over an undecodable batch: the reader must move past it (never refetch it forever)
/// using only the batch header, since its body cannot be trusted.
@Suite struct OffsetsTopicReaderTests {
    /// A v2 batch header (61 bytes) + `body` bytes; the CRC is garbage on purpose.
    static func batch(base: Int64, lastOffsetDelta: Int32, body: Int = 10) -> [UInt8] {
        var b: [UInt8] = []
        func be<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.bigEndian) { b += $0 } }
        be(base)
        be(Int32(49 + body))  // batchLength: everything after this field
        be(Int32(0))  // partitionLeaderEpoch
        b.append(2)  // magic
        be(UInt32(0xDEAD_BEEF))  // crc (wrong)
        be(Int16(0))  // attributes
        be(lastOffsetDelta)
        b += [UInt8](repeating: 0, count: 8 + 8 + 8 + 2 + 4 + 4)  // timestamps, producer, sequence, count
        b += [UInt8](repeating: 0xAB, count: body)
        return b
    }

    @Test func stepsOverABatchByItsLastOffsetDelta() {
        let records = Self.batch(base: 100, lastOffsetDelta: 4) + Self.batch(base: 105, lastOffsetDelta: 0)
        #expect(OffsetsTopicReader.offsetAfter(batchAt: 100, in: records[...]) == 105)
        #expect(OffsetsTopicReader.offsetAfter(batchAt: 105, in: records[...]) == 106)
        // Not in the response: nil (the reader then keeps its position and reports the error).
        #expect(OffsetsTopicReader.offsetAfter(batchAt: 7, in: records[...]) == nil)
    }

    @Test func legacyMessageAndShortHeader() {
        // A magic-1 message: its offset is its own, the next one follows.
        var legacy = Self.batch(base: 42, lastOffsetDelta: 9)
        legacy[16] = 1
        #expect(OffsetsTopicReader.offsetAfter(batchAt: 42, in: legacy[...]) == 43)
        // A v2 header cut before lastOffsetDelta: one offset further, never a trap.
        let cut = Array(Self.batch(base: 8, lastOffsetDelta: 3).prefix(20))
        #expect(OffsetsTopicReader.offsetAfter(batchAt: 8, in: cut[...]) == 9)
        #expect(OffsetsTopicReader.offsetAfter(batchAt: 8, in: [UInt8]()[...]) == nil)
    }

    @Test func sliceOffsetsAreRespected() {
        // Fetch responses hand the reader a slice of a larger buffer: indices do not start at 0.
        let whole = [UInt8](repeating: 0, count: 7) + Self.batch(base: 300, lastOffsetDelta: 2)
        #expect(OffsetsTopicReader.offsetAfter(batchAt: 300, in: whole[7...]) == 303)
    }
}
