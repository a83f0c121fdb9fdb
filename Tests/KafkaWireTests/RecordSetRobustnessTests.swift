import KafkaWire
import Testing

/// Deterministic generator so failures reproduce.
struct RecordsTestRNG: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Record set robustness")
struct RecordSetRobustnessTests {
    /// A mixed record set: plain, each codec, a control batch, an empty batch, legacy messages.
    static let parts: [[UInt8]] = [
        TestBatch(baseOffset: 0, records: RecordBatchDecodingTests.richRecords).encode(),
        TestBatch(baseOffset: 5, codec: .gzip, records: (0..<20).map { TestRecord.simple($0) }).encode(),
        TestBatch(baseOffset: 25, codec: .snappyXerial, records: (0..<5).map { TestRecord.simple($0) }).encode(),
        TestBatch.controlBatch(baseOffset: 30, producerId: 1, type: 1).encode(),
        TestBatch(baseOffset: 31, lastOffsetDelta: 3, records: []).encode(),
        TestBatch(baseOffset: 35, codec: .lz4, records: (0..<5).map { TestRecord.simple($0) }).encode(),
        TestBatch(baseOffset: 40, codec: .zstdNoContentSize, records: (0..<5).map { TestRecord.simple($0) }).encode(),
        TestLegacyMessage.wrapper(
            offset: 47, magic: 1, codec: .gzip,
            inner: (0..<2).map { TestLegacyMessage(offset: Int64($0), magic: 1, key: nil, value: [7]) }
        ).encode(),
        TestLegacyMessage(offset: 48, magic: 0, key: [1], value: [2]).encode(),
    ]

    @Test func wholeSetDecodes() {
        let all = Self.parts.flatMap { $0 }
        let result = RecordSetDecoder.decode(all)
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.batches.count == Self.parts.count)
        #expect(result.nextOffset == 49)
        #expect(!result.truncatedTail)
    }

    @Test func everyStrictPrefixDecodesTheCompleteBatches() {
        let all = Self.parts.flatMap { $0 }
        var boundaries: [Int] = [0]
        for p in Self.parts { boundaries.append(boundaries.last! + p.count) }
        for cut in 0..<all.count {
            let result = RecordSetDecoder.decode(all[..<cut])
            let complete = boundaries.lastIndex { $0 <= cut }!
            #expect(result.errors.isEmpty, "prefix \(cut): \(result.errors)")
            #expect(result.batches.count == complete, "prefix \(cut)")
            #expect(result.truncatedTail == !boundaries.contains(cut), "prefix \(cut)")
            #expect(result.bytesConsumed == boundaries[complete], "prefix \(cut)")
        }
    }

    @Test(arguments: [false, true])
    func randomMutationsNeverCrash(verifyCRC: Bool) {
        let all = Self.parts.flatMap { $0 }
        var rng = RecordsTestRNG(state: verifyCRC ? 1 : 2)
        for _ in 0..<3000 {
            var mutated = all
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<mutated.count, using: &rng)
                mutated[i] = UInt8.random(in: 0...255, using: &rng)
            }
            let cut =
                Int.random(in: 0...10, using: &rng) == 0
                ? Int.random(in: 0...mutated.count, using: &rng) : mutated.count
            let result = RecordSetDecoder.decode(
                mutated[..<cut], verifyCRC: verifyCRC, maxDecompressedBytes: 1 << 20)
            #expect(result.bytesConsumed <= cut)
            var filter = TransactionFilter()
            _ = filter.process(result.batches, aborted: [.init(producerId: 1, firstOffset: 0)])
        }
    }

    @Test func randomGarbageNeverCrashes() {
        var rng = RecordsTestRNG(state: 3)
        for _ in 0..<2000 {
            var bytes = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if bytes.count > 17 && Bool.random(using: &rng) {
                bytes[16] = UInt8.random(in: 0...2, using: &rng)  // plausible magic
                bytes[8] = 0
                bytes[9] = 0
            }
            let result = RecordSetDecoder.decode(bytes, verifyCRC: Bool.random(using: &rng))
            #expect(result.bytesConsumed <= bytes.count)
        }
    }
}
