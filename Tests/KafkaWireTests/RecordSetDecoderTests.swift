import Testing

// CRC32C's two paths and the LZ4 frame checksum are internals of the protocol module.
@testable import KafkaProtocol
@testable import KafkaWire

@Suite("CRC-32C")
struct CRC32CTests {
    @Test func knownVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    }

    @Test func matchesBitwiseReferenceAndIsIncremental() {
        var g = SystemRandomNumberGenerator()
        for length in [1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4099] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &g) }
            #expect(CRC32C.checksum(bytes) == referenceCRC32C(bytes))
            #expect(CRC32C.checksum(bytes[min(3, length)...]) == referenceCRC32C(bytes[min(3, length)...]))
            let split = length / 3
            #expect(CRC32C.update(CRC32C.checksum(bytes[..<split]), bytes[split...]) == CRC32C.checksum(bytes))
        }
        // A non-contiguous collection goes through the copying path.
        #expect(CRC32C.checksum("123456789".utf8.lazy.map { $0 }) == 0xE306_9283)
    }

    @Test func hardwareAndTableAgree() {
        // x86-64 machines since 2008 have SSE4.2: the test must exercise the instruction path.
        #if arch(x86_64)
            #expect(CRC32C.hardware)
        #endif
        var g = SystemRandomNumberGenerator()
        for length in [0, 1, 7, 8, 9, 31, 32, 33, 4096, 65_537] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &g) }
            let seed = UInt32.random(in: 0...UInt32.max, using: &g)
            bytes.withUnsafeBytes { raw in
                #expect(CRC32C.update(seed, raw) == CRC32C.softwareUpdate(seed, raw), "length \(length)")
            }
            #expect(CRC32C.checksum(bytes) == referenceCRC32C(bytes))
        }
    }
}

@Suite("Decompression helpers")
struct DecompressionHelperTests {
    @Test func xxh32KnownVectors() {
        #expect(Decompressor.xxh32Short([]) == 0x02CC_5D05)
        #expect(Decompressor.xxh32Short(Array("a".utf8)[...]) == 0x550D_7456)
        #expect(Decompressor.xxh32Short(Array("abc".utf8)[...]) == 0x32D1_53FF)
    }
}

@Suite("Record batch v2 decoding")
struct RecordBatchDecodingTests {
    static let richRecords: [TestRecord] = [
        TestRecord(
            offsetDelta: 0, timestampDelta: 0, key: Array("k0".utf8), value: Array("hello".utf8),
            headers: [("trace", Array("abc".utf8)), ("empty", []), ("null", nil)]),
        TestRecord(offsetDelta: 1, timestampDelta: 5, key: nil, value: Array("no key".utf8)),
        TestRecord(offsetDelta: 2, timestampDelta: -3, key: Array("tombstone".utf8), value: nil),
        TestRecord(offsetDelta: 3, timestampDelta: 100, key: [], value: []),
        TestRecord(offsetDelta: 4, timestampDelta: 1000, key: nil, value: [UInt8](repeating: 0xAB, count: 300)),
    ]

    static func checkRich(_ batch: RecordBatch, baseOffset: Int64, baseTimestamp: Int64) {
        #expect(batch.records.count == 5)
        let r = batch.records
        #expect(r.map(\.offset) == (0..<5).map { baseOffset + $0 })
        #expect(r.map(\.timestamp) == [0, 5, -3, 100, 1000].map { baseTimestamp + $0 })
        #expect(r[0].key?.string == "k0")
        #expect(r[0].value?.string == "hello")
        #expect(r[0].headers.map(\.key) == ["trace", "empty", "null"])
        #expect(r[0].headers[0].value?.string == "abc")
        #expect(r[0].headers[1].value?.isEmpty == true)
        #expect(r[0].headers[2].value == nil)
        #expect(r[1].key == nil)
        #expect(r[1].value?.string == "no key")
        #expect(r[2].value == nil)
        #expect(r[3].key?.isEmpty == true)
        #expect(r[3].value?.isEmpty == true)
        #expect(r[4].value.map(Array.init) == [UInt8](repeating: 0xAB, count: 300))
        #expect(r[1].headers.isEmpty)
    }

    @Test func uncompressedBatchWithNullsAndHeaders() {
        let spec = TestBatch(
            baseOffset: 1000, codec: .none, baseTimestamp: 1_700_000_000_000, producerId: 42, producerEpoch: 3,
            baseSequence: 17, records: Self.richRecords)
        let bytes = spec.encode()
        let result = RecordSetDecoder.decode(bytes)
        #expect(result.errors.isEmpty)
        #expect(!result.truncatedTail)
        #expect(result.bytesConsumed == bytes.count)
        #expect(result.nextOffset == 1005)
        let batch = try! #require(result.batches.first)
        #expect(batch.baseOffset == 1000)
        #expect(batch.batchLength == Int32(bytes.count - 12))
        #expect(batch.partitionLeaderEpoch == 7)
        #expect(batch.magic == 2)
        #expect(batch.codec == CompressionCodec.none)
        #expect(batch.lastOffsetDelta == 4)
        #expect(batch.producerId == 42)
        #expect(batch.producerEpoch == 3)
        #expect(batch.baseSequence == 17)
        #expect(batch.recordsCount == 5)
        #expect(batch.timestampType == .createTime)
        #expect(!batch.isTransactional && !batch.isControl && !batch.hasDeleteHorizon)
        #expect(batch.controlType == nil)
        Self.checkRich(batch, baseOffset: 1000, baseTimestamp: 1_700_000_000_000)
    }

    @Test func uncompressedValuesAreZeroCopySlicesOfTheInput() {
        let bytes = TestBatch(records: Self.richRecords).encode()
        let result = RecordSetDecoder.decode(bytes[...])
        let value = try! #require(result.batches.first?.records.first?.value)
        bytes.withUnsafeBufferPointer { input in
            value.withUnsafeBufferPointer { v in
                let start = v.baseAddress!
                #expect(start >= input.baseAddress! && start + v.count <= input.baseAddress! + input.count)
            }
        }
    }

    @Test(arguments: TestCodec.allCases)
    func everyCodec(codec: TestCodec) {
        let many = (0..<200).map { TestRecord.simple($0) }
        let first = TestBatch(baseOffset: 50, codec: codec, records: Self.richRecords)
        let second = TestBatch(baseOffset: 55, codec: codec, records: many)
        let bytes = first.encode() + second.encode()
        let result = RecordSetDecoder.decode(bytes)
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.batches.count == 2)
        #expect(result.nextOffset == 255)
        #expect(result.batches.first?.codec.rawValue == Int8(codec.attributeBits))
        Self.checkRich(result.batches[0], baseOffset: 50, baseTimestamp: first.baseTimestamp)
        #expect(result.batches[1].records.map(\.offset) == Array(55..<255))
        #expect(result.batches[1].records[199].value?.string == "value-199")
        #expect(result.batches[1].records[199].key?.string == "key-199")
    }

    @Test func logAppendTimeUsesMaxTimestamp() {
        let spec = TestBatch(logAppendTime: true, maxTimestamp: 1_800_000_000_000, records: Self.richRecords)
        let batch = try! #require(RecordSetDecoder.decode(spec.encode()).batches.first)
        #expect(batch.timestampType == .logAppendTime)
        #expect(batch.records.allSatisfy { $0.timestamp == 1_800_000_000_000 })
    }

    @Test func emptyBatchAdvancesTheOffset() {
        // Compaction can leave a batch with no records that still covers offsets 100...109.
        let empty = TestBatch(baseOffset: 100, lastOffsetDelta: 9, records: [])
        let next = TestBatch(baseOffset: 110, records: [.simple(0)])
        let result = RecordSetDecoder.decode(empty.encode() + next.encode())
        #expect(result.errors.isEmpty)
        #expect(result.batches.count == 2)
        #expect(result.batches[0].records.isEmpty)
        #expect(result.batches[0].recordsCount == 0)
        #expect(result.batches[0].nextOffset == 110)
        #expect(result.batches[1].records.map(\.offset) == [110])
        let onlyEmpty = RecordSetDecoder.decode(empty.encode())
        #expect(onlyEmpty.nextOffset == 110)
        #expect(onlyEmpty.recordCount == 0)
    }

    @Test func controlBatches() {
        let commit = TestBatch.controlBatch(baseOffset: 10, producerId: 5, type: 1, coordinatorEpoch: 9)
        let abort = TestBatch.controlBatch(baseOffset: 11, producerId: 6, type: 0, coordinatorEpoch: 4)
        let other = TestBatch.controlBatch(baseOffset: 12, producerId: 6, type: 7)
        let result = RecordSetDecoder.decode(commit.encode() + abort.encode() + other.encode())
        #expect(result.errors.isEmpty)
        #expect(result.batches.map(\.controlType) == [.commit, .abort, .unknown(7)])
        #expect(result.batches.map(\.coordinatorEpoch) == [9, 4, 3])
        #expect(result.batches.allSatisfy { $0.isControl && $0.isTransactional })
        #expect(result.controlBatchCount == 3)
        #expect(result.recordCount == 0)
        #expect(result.nextOffset == 13)
    }

    @Test func resumeOffsetStepsOverAnUndecodableLastBatch() {
        // A continuous reader must move past a bad batch, not fetch it again forever: the
        // header's lastOffsetDelta says where it ends even when its body is what failed.
        let a = TestBatch(baseOffset: 100, records: [.simple(0)]).encode()
        var b = TestBatch(baseOffset: 101, records: (0..<5).map { .simple($0) }).encode()
        b[b.count - 3] ^= 0x01
        let result = RecordSetDecoder.decode(a + b)
        #expect(result.nextOffset == 101)
        #expect(result.resumeOffset == 106)
        // Alone, and in a slice that does not start at index 0 (fetch responses are slices).
        let alone = [UInt8](repeating: 0, count: 7) + b
        #expect(RecordSetDecoder.decode(alone[7...]).resumeOffset == 106)
        #expect(RecordSetDecoder.decode(alone[7...]).nextOffset == nil)
        // A truncated tail holds nothing complete: nothing to step over.
        #expect(RecordSetDecoder.decode(Array(b.prefix(40))).resumeOffset == nil)
    }

    @Test func resumeOffsetPastBadFramesAndLegacyMessages() {
        // An impossible length stops decoding; the header still says where the batch ends.
        var bad = TestBatch(baseOffset: 8, lastOffsetDelta: 3, records: (0..<4).map { .simple($0) }).encode()
        bad.replaceSubrange(8..<12, with: [0, 0, 0, 5])
        let r = RecordSetDecoder.decode(bad)
        guard case .invalidBatchLength? = r.errors.first else {
            Issue.record("expected an invalid length, got \(r.errors)")
            return
        }
        #expect(r.resumeOffset == 12)
        // A legacy message with a corrupt CRC: its own offset is its last.
        var legacy = TestLegacyMessage(offset: 42, magic: 1, value: Array("x".utf8)).encode()
        legacy[legacy.count - 1] ^= 0x01
        let l = RecordSetDecoder.decode(legacy)
        #expect(!l.errors.isEmpty && l.batches.isEmpty)
        #expect(l.resumeOffset == 43)
    }

    @Test func crcMismatchIsReportedAndDecodingContinues() {
        let a = TestBatch(baseOffset: 0, records: [.simple(0), .simple(1)]).encode()
        var b = TestBatch(baseOffset: 2, records: [.simple(0), .simple(1)]).encode()
        let c = TestBatch(baseOffset: 4, codec: .lz4, records: [.simple(0), .simple(1)]).encode()
        b[b.count - 3] ^= 0x01  // inside a value
        let result = RecordSetDecoder.decode(a + b + c)
        #expect(result.batches.map(\.baseOffset) == [0, 4])
        #expect(result.errors.count == 1)
        guard case .crcMismatch(let offset, let stored, let computed)? = result.errors.first else {
            Issue.record("expected a CRC mismatch, got \(result.errors)")
            return
        }
        #expect(offset == 2)
        #expect(stored != computed)
        #expect(result.nextOffset == 6)
        #expect(result.bytesConsumed == a.count + b.count + c.count)
        #expect(result.resumeOffset == 6)
        // Without verification the flipped byte is just data.
        let unchecked = RecordSetDecoder.decode(a + b + c, verifyCRC: false)
        #expect(unchecked.errors.isEmpty)
        #expect(unchecked.batches.count == 3)
    }

    @Test func untrustworthyLengthStopsDecoding() {
        let a = TestBatch(baseOffset: 0, records: [.simple(0)]).encode()
        var b = TestBatch(baseOffset: 1, records: [.simple(0), .simple(1)]).encode()
        let c = TestBatch(baseOffset: 3, records: [.simple(0)]).encode()
        // Shrink b's length by 3: the CRC fails and the length points into the middle of b.
        let length = Int32(b.count - 12 - 3)
        for i in 0..<4 { b[8 + i] = UInt8(truncatingIfNeeded: length >> ((3 - i) * 8)) }
        let result = RecordSetDecoder.decode(a + b + c)
        #expect(result.batches.map(\.baseOffset) == [0])
        #expect(result.errors.count == 1)
        #expect(result.nextOffset == 1)
        #expect(result.bytesConsumed == a.count)
    }

    @Test func truncatedTailKeepsCompleteBatches() {
        let a = TestBatch(baseOffset: 0, records: (0..<3).map { TestRecord.simple($0) }).encode()
        let b = TestBatch(baseOffset: 3, codec: .zstd, records: (0..<3).map { TestRecord.simple($0) }).encode()
        let c = TestBatch(baseOffset: 6, records: (0..<3).map { TestRecord.simple($0) }).encode()
        let all = a + b + c
        for cut in [1, 5, 16, 17, 40, 61, c.count - 1] {
            let result = RecordSetDecoder.decode(all[..<(all.count - cut)])
            #expect(result.truncatedTail, "cut \(cut)")
            #expect(result.errors.isEmpty, "cut \(cut): \(result.errors)")
            #expect(result.batches.count == 2)
            #expect(result.nextOffset == 6)
            #expect(result.bytesConsumed == a.count + b.count)
        }
        let whole = RecordSetDecoder.decode(all)
        #expect(!whole.truncatedTail)
        #expect(whole.nextOffset == 9)
        let nothing = RecordSetDecoder.decode(Array(a[..<30]))
        #expect(nothing.truncatedTail && nothing.batches.isEmpty && nothing.nextOffset == nil)
        let empty = RecordSetDecoder.decode([UInt8]())
        #expect(!empty.truncatedTail && empty.batches.isEmpty && empty.errors.isEmpty)
    }

    @Test func unsupportedCodecIsReportedAndSkipped() {
        var bad = TestBatch(baseOffset: 0, records: [.simple(0)])
        bad.rawCodecBits = 5
        let good = TestBatch(baseOffset: 1, records: [.simple(0)])
        let result = RecordSetDecoder.decode(bad.encode() + good.encode())
        #expect(result.errors == [.unsupportedCodec(batchBaseOffset: 0, rawCodec: 5)])
        #expect(result.batches.map(\.baseOffset) == [1])
    }

    @Test(arguments: [TestCodec.gzip, .snappyRaw, .snappyXerial, .lz4, .zstd])
    func corruptCompressedDataIsADecompressionError(codec: TestCodec) {
        var blob = codec.compress((0..<50).flatMap { TestBatch.encodeRecord(.simple($0)) })
        blob.removeLast(blob.count / 3)  // truncated stream, valid CRC
        let bad = TestBatch(baseOffset: 0, codec: codec, records: (0..<50).map { TestRecord.simple($0) })
        let good = TestBatch(baseOffset: 50, codec: codec, records: [.simple(0)])
        let result = RecordSetDecoder.decode(bad.encode(recordsOverride: blob) + good.encode())
        #expect(result.batches.map(\.baseOffset) == [50])
        #expect(result.errors.count == 1)
        switch result.errors.first {
        case .decompression(0, let c, _)?: #expect(c.rawValue == Int8(codec.attributeBits))
        case .corruptBatch(0, _)?: break  // a cut snappy stream can still decode to fewer bytes
        default: Issue.record("unexpected \(result.errors)")
        }
    }

    @Test func recordCountMismatchIsACorruptBatch() {
        var spec = TestBatch(baseOffset: 0, records: [.simple(0), .simple(1)])
        let tooFew = spec.encode(recordsOverride: TestBatch.encodeRecord(.simple(0)))
        spec.records = [.simple(0)]
        let tooMany = spec.encode(recordsOverride: (0..<2).flatMap { TestBatch.encodeRecord(.simple($0)) })
        let result = RecordSetDecoder.decode(tooFew + tooMany)
        #expect(result.batches.isEmpty)
        #expect(result.errors.count == 2)
        #expect(result.errors.allSatisfy { if case .corruptBatch = $0 { true } else { false } })
    }

    @Test func unknownMagicStops() {
        let a = TestBatch(baseOffset: 0, records: [.simple(0)]).encode()
        var b = TestBatch(baseOffset: 1, records: [.simple(0)]).encode()
        b[16] = 3
        let result = RecordSetDecoder.decode(a + b + a)
        #expect(result.batches.count == 1)
        #expect(result.errors == [.unsupportedMagic(batchBaseOffset: 1, magic: 3)])
    }

    @Test(arguments: [TestCodec.gzip, .snappyRaw, .snappyXerial, .lz4, .zstd, .zstdNoContentSize])
    func decompressionBombIsCapped(codec: TestCodec) {
        // 8 MiB of one record whose value is all zeros compresses to a few KiB.
        let huge = TestRecord(offsetDelta: 0, key: nil, value: [UInt8](repeating: 0, count: 8 << 20))
        let bomb = TestBatch(baseOffset: 0, codec: codec, records: [huge]).encode()
        #expect(bomb.count < 1 << 20)
        let capped = RecordSetDecoder.decode(bomb, maxDecompressedBytes: 1 << 20)
        #expect(capped.batches.isEmpty)
        #expect(capped.errors.count == 1)
        if case .decompressedSizeExceeded(0, _, 1 << 20)? = capped.errors.first {
        } else {
            Issue.record("expected decompressedSizeExceeded, got \(capped.errors)")
        }
        let allowed = RecordSetDecoder.decode(bomb, maxDecompressedBytes: 16 << 20)
        #expect(allowed.errors.isEmpty)
        #expect(allowed.batches.first?.records.first?.value?.count == 8 << 20)
        // The limit is inclusive: exactly the decompressed size passes, one byte less fails.
        let exact = TestBatch(records: [huge]).rawRecords.count
        #expect(RecordSetDecoder.decode(bomb, maxDecompressedBytes: exact).errors.isEmpty)
        #expect(RecordSetDecoder.decode(bomb, maxDecompressedBytes: exact - 1).batches.isEmpty)
    }
}
