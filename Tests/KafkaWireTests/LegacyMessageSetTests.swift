import KafkaWire
import Testing

@Suite("Legacy message sets (magic 0/1)")
struct LegacyMessageSetTests {
    @Test func magic0Plain() {
        let messages = [
            TestLegacyMessage(offset: 10, magic: 0, key: Array("a".utf8), value: Array("one".utf8)),
            TestLegacyMessage(offset: 11, magic: 0, key: nil, value: Array("two".utf8)),
            TestLegacyMessage(offset: 12, magic: 0, key: Array("c".utf8), value: nil),
        ]
        let result = RecordSetDecoder.decode(messages.flatMap { $0.encode() })
        #expect(result.errors.isEmpty)
        #expect(result.batches.count == 3)
        #expect(result.batches.allSatisfy { $0.magic == 0 && $0.timestampType == .noTimestamp })
        let records = result.batches.flatMap(\.records)
        #expect(records.map(\.offset) == [10, 11, 12])
        #expect(records.map(\.timestamp) == [-1, -1, -1])
        #expect(records[0].key?.string == "a")
        #expect(records[1].key == nil)
        #expect(records[1].value?.string == "two")
        #expect(records[2].value == nil)
        #expect(result.nextOffset == 13)
    }

    @Test func magic1Plain() {
        let messages = (0..<3).map {
            TestLegacyMessage(
                offset: 40 + Int64($0), magic: 1, timestamp: 1_600_000_000_000 + Int64($0), key: nil,
                value: Array("v\($0)".utf8))
        }
        let result = RecordSetDecoder.decode(messages.flatMap { $0.encode() })
        #expect(result.errors.isEmpty)
        let records = result.batches.flatMap(\.records)
        #expect(records.map(\.offset) == [40, 41, 42])
        #expect(records.map(\.timestamp) == [1_600_000_000_000, 1_600_000_000_001, 1_600_000_000_002])
        #expect(result.batches.allSatisfy { $0.magic == 1 && $0.timestampType == .createTime && $0.producerId == -1 })
        #expect(result.nextOffset == 43)
    }

    @Test(arguments: [TestCodec.gzip, .snappyXerial, .snappyRaw, .lz4])
    func magic1CompressedWrapperUsesRelativeOffsets(codec: TestCodec) {
        let inner = (0..<3).map {
            TestLegacyMessage(
                offset: Int64($0), magic: 1, timestamp: 1_600_000_000_100 + Int64($0), key: Array("k\($0)".utf8),
                value: Array("inner-\($0)".utf8))
        }
        let wrapper = TestLegacyMessage.wrapper(offset: 22, magic: 1, codec: codec, inner: inner)
        let after = TestLegacyMessage(offset: 23, magic: 1, key: nil, value: Array("plain".utf8))
        let result = RecordSetDecoder.decode(wrapper.encode() + after.encode())
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.batches.count == 2)
        let batch = result.batches[0]
        #expect(batch.codec.rawValue == Int8(codec.attributeBits))
        #expect(batch.baseOffset == 20)
        #expect(batch.lastOffset == 22)
        #expect(batch.records.map(\.offset) == [20, 21, 22])
        #expect(batch.records.map { $0.value?.string } == ["inner-0", "inner-1", "inner-2"])
        #expect(batch.records.map(\.timestamp) == [1_600_000_000_100, 1_600_000_000_101, 1_600_000_000_102])
        #expect(result.batches[1].records.map(\.offset) == [23])
        #expect(result.nextOffset == 24)
    }

    @Test func magic1WrapperWithLogAppendTime() {
        let inner = (0..<2).map { TestLegacyMessage(offset: Int64($0), magic: 1, timestamp: 5, key: nil, value: [1]) }
        let wrapper = TestLegacyMessage.wrapper(
            offset: 101, magic: 1, codec: .gzip, inner: inner, logAppendTime: true, timestamp: 1_650_000_000_000)
        let batch = RecordSetDecoder.decode(wrapper.encode()).batches.first
        #expect(batch?.timestampType == .logAppendTime)
        #expect(batch?.records.map(\.timestamp) == [1_650_000_000_000, 1_650_000_000_000])
        #expect(batch?.records.map(\.offset) == [100, 101])
    }

    @Test func magic0GzipWrapperUsesAbsoluteOffsets() {
        let inner = (0..<3).map { TestLegacyMessage(offset: 30 + Int64($0), magic: 0, key: nil, value: [UInt8($0)]) }
        let wrapper = TestLegacyMessage.wrapper(offset: 32, magic: 0, codec: .gzip, inner: inner)
        let result = RecordSetDecoder.decode(wrapper.encode())
        #expect(result.errors.isEmpty)
        #expect(result.batches.first?.records.map(\.offset) == [30, 31, 32])
        #expect(result.batches.first?.records.map(\.timestamp) == [-1, -1, -1])
        #expect(result.nextOffset == 33)
    }

    @Test func magic0LZ4WithBrokenHeaderChecksumIsAccepted() {
        // Kafka < 0.10 wrote a wrong LZ4 frame header checksum (KAFKA-3160); magic 0 ignores it.
        let inner = (0..<2).map { TestLegacyMessage(offset: 8 + Int64($0), magic: 0, key: nil, value: [UInt8($0)]) }
        for magic: Int8 in [0, 1] {
            var wrapper = TestLegacyMessage.wrapper(offset: 9, magic: magic, codec: .lz4, inner: inner)
            var frame = wrapper.value!
            let descriptorEnd = 4 + 2 + (frame[4] & 0x08 != 0 ? 8 : 0)
            frame[descriptorEnd] ^= 0x5A
            wrapper.value = frame
            let result = RecordSetDecoder.decode(wrapper.encode())
            if magic == 0 {
                #expect(result.errors.isEmpty, "\(result.errors)")
                #expect(result.batches.first?.records.map(\.offset) == [8, 9])
            } else {
                guard case .decompression(9, .lz4, _)? = result.errors.first else {
                    Issue.record("expected an lz4 error for magic 1, got \(result.errors)")
                    continue
                }
            }
        }
    }

    @Test func legacyCRCMismatchIsReportedAndDecodingContinues() {
        var bad = TestLegacyMessage(offset: 1, magic: 1, key: nil, value: Array("xxxx".utf8)).encode()
        bad[bad.count - 1] ^= 0xFF
        let good = TestLegacyMessage(offset: 2, magic: 1, key: nil, value: Array("ok".utf8)).encode()
        let result = RecordSetDecoder.decode(bad + good)
        #expect(result.batches.flatMap { $0.records.map(\.offset) } == [2])
        guard case .crcMismatch(1, _, _)? = result.errors.first else {
            Issue.record("expected crcMismatch, got \(result.errors)")
            return
        }
    }

    @Test func nestedCompressionIsANamedError() {
        let innermost = [TestLegacyMessage(offset: 0, magic: 1, key: nil, value: [1])]
        let nested = TestLegacyMessage.wrapper(offset: 0, magic: 1, codec: .gzip, inner: innermost)
        let wrapper = TestLegacyMessage.wrapper(offset: 5, magic: 1, codec: .gzip, inner: [nested])
        let result = RecordSetDecoder.decode(wrapper.encode())
        #expect(result.batches.isEmpty)
        guard case .legacyMessage(5, 1, _)? = result.errors.first else {
            Issue.record("expected legacyMessage, got \(result.errors)")
            return
        }
    }

    @Test func legacyThenV2InOneResponseAndTruncatedTail() {
        let old = TestLegacyMessage(offset: 0, magic: 1, key: nil, value: Array("old".utf8)).encode()
        let new = TestBatch(baseOffset: 1, codec: .snappyXerial, records: [.simple(0), .simple(1)]).encode()
        let tail = TestLegacyMessage(offset: 3, magic: 1, key: nil, value: Array("cut".utf8)).encode()
        let result = RecordSetDecoder.decode(old + new + tail.dropLast(2))
        #expect(result.errors.isEmpty)
        #expect(result.batches.map(\.magic) == [1, 2])
        #expect(result.batches.flatMap { $0.records.map(\.offset) } == [0, 1, 2])
        #expect(result.truncatedTail)
        #expect(result.nextOffset == 3)
    }
}
