import CLZ4
import CSnappy
import CZlib
import CZstd
import KafkaWire

/// Test-side encoder for record batches and legacy message sets, written from the wire layouts
/// (independent of the decoder: its own CRC-32C and its own compression calls).
enum TestCodec: String, CaseIterable, CustomStringConvertible {
    case none, gzip, snappyRaw, snappyXerial, lz4, zstd, zstdNoContentSize

    var attributeBits: Int16 {
        switch self {
        case .none: 0
        case .gzip: 1
        case .snappyRaw, .snappyXerial: 2
        case .lz4: 3
        case .zstd, .zstdNoContentSize: 4
        }
    }

    var description: String { rawValue }

    func compress(_ data: [UInt8]) -> [UInt8] {
        switch self {
        case .none: data
        case .gzip: TestCompression.gzip(data)
        case .snappyRaw: TestCompression.snappy(data)
        case .snappyXerial: TestCompression.xerialSnappy(data, chunkSize: 1000)
        case .lz4: TestCompression.lz4Frame(data)
        case .zstd: TestCompression.zstd(data, contentSize: true)
        case .zstdNoContentSize: TestCompression.zstd(data, contentSize: false)
        }
    }
}

enum TestCompression {
    static func gzip(_ data: [UInt8]) -> [UInt8] {
        var s = z_stream()
        precondition(
            deflateInit2_(
                &s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
                == Z_OK)
        defer { deflateEnd(&s) }
        var input = data
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&s, UInt(data.count))) + 64)
        let produced = input.withUnsafeMutableBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                s.next_in = src.baseAddress
                s.avail_in = UInt32(src.count)
                s.next_out = dst.baseAddress
                s.avail_out = UInt32(dst.count)
                precondition(deflate(&s, Z_FINISH) == Z_STREAM_END)
                return dst.count - Int(s.avail_out)
            }
        }
        return Array(out[..<produced])
    }

    static func snappy(_ data: [UInt8]) -> [UInt8] {
        var n = snappy_max_compressed_length(data.count)
        var out = [UInt8](repeating: 0, count: n)
        let input = data.isEmpty ? [0] : data
        let status = input.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                snappy_compress(
                    src.baseAddress!.assumingMemoryBound(to: CChar.self), data.count,
                    dst.baseAddress!.assumingMemoryBound(to: CChar.self), &n)
            }
        }
        precondition(status == SNAPPY_OK)
        return Array(out[..<n])
    }

    /// xerial snappy-java framing: magic, version 1, compatible 1, then (int32 length, block)*.
    static func xerialSnappy(_ data: [UInt8], chunkSize: Int) -> [UInt8] {
        var w = KafkaWriter()
        w.writeRaw([0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00])
        w.writeInt32(1)
        w.writeInt32(1)
        var p = 0
        repeat {
            let chunk = snappy(Array(data[p..<min(p + chunkSize, data.count)]))
            w.writeInt32(Int32(chunk.count))
            w.writeRaw(chunk)
            p += chunkSize
        } while p < data.count
        return w.bytes
    }

    static func lz4Frame(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: LZ4F_compressFrameBound(data.count, nil))
        let n = data.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                LZ4F_compressFrame(dst.baseAddress, dst.count, src.baseAddress, src.count, nil)
            }
        }
        precondition(LZ4F_isError(n) == 0)
        return Array(out[..<n])
    }

    static func zstd(_ data: [UInt8], contentSize: Bool) -> [UInt8] {
        let cctx = ZSTD_createCCtx()
        defer { ZSTD_freeCCtx(cctx) }
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, contentSize ? 1 : 0)
        var out = [UInt8](repeating: 0, count: ZSTD_compressBound(data.count))
        let n = data.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                ZSTD_compress2(cctx, dst.baseAddress, dst.count, src.baseAddress, src.count)
            }
        }
        precondition(ZSTD_isError(n) == 0)
        return Array(out[..<n])
    }
}

/// Bitwise CRC-32C, independent of the decoder's table implementation.
func referenceCRC32C(_ bytes: some Sequence<UInt8>) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
    }
    return ~c
}

/// Bitwise CRC-32 (IEEE), for legacy messages.
func referenceCRC32(_ bytes: some Sequence<UInt8>) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
    }
    return ~c
}

struct TestRecord {
    var offsetDelta: Int32
    var timestampDelta: Int64 = 0
    var key: [UInt8]?
    var value: [UInt8]?
    var headers: [(String, [UInt8]?)] = []

    static func simple(_ i: Int, value: String? = nil) -> TestRecord {
        TestRecord(
            offsetDelta: Int32(i), timestampDelta: Int64(i * 10), key: Array("key-\(i)".utf8),
            value: Array((value ?? "value-\(i)").utf8))
    }
}

struct TestBatch {
    var baseOffset: Int64 = 0
    var partitionLeaderEpoch: Int32 = 7
    var codec: TestCodec = .none
    var logAppendTime = false
    var transactional = false
    var control = false
    var lastOffsetDelta: Int32?
    var baseTimestamp: Int64 = 1_700_000_000_000
    var maxTimestamp: Int64?
    var producerId: Int64 = -1
    var producerEpoch: Int16 = -1
    var baseSequence: Int32 = -1
    var records: [TestRecord] = []
    /// Raw codec bits to force (e.g. 5, an invalid codec).
    var rawCodecBits: Int16?

    var attributes: Int16 {
        var a = rawCodecBits ?? codec.attributeBits
        if logAppendTime { a |= 0x08 }
        if transactional { a |= 0x10 }
        if control { a |= 0x20 }
        return a
    }

    static func encodeRecord(_ r: TestRecord) -> [UInt8] {
        var body = KafkaWriter()
        body.writeInt8(0)
        body.writeVarlong(r.timestampDelta)
        body.writeVarint(r.offsetDelta)
        func bytes(_ b: [UInt8]?) {
            if let b {
                body.writeVarint(Int32(b.count))
                body.writeRaw(b)
            } else {
                body.writeVarint(-1)
            }
        }
        bytes(r.key)
        bytes(r.value)
        body.writeVarint(Int32(r.headers.count))
        for (k, v) in r.headers {
            bytes(Array(k.utf8))
            bytes(v)
        }
        var w = KafkaWriter()
        w.writeVarint(Int32(body.count))
        w.writeRaw(body.bytes)
        return w.bytes
    }

    /// The records section before compression.
    var rawRecords: [UInt8] { records.flatMap(Self.encodeRecord) }

    func encode(recordsOverride: [UInt8]? = nil) -> [UInt8] {
        let payload = recordsOverride ?? codec.compress(rawRecords)
        var tail = KafkaWriter()  // attributes .. end: the CRC-covered part
        tail.writeInt16(attributes)
        tail.writeInt32(lastOffsetDelta ?? Int32(max(records.count - 1, 0)))
        tail.writeInt64(baseTimestamp)
        tail.writeInt64(maxTimestamp ?? baseTimestamp + (records.map(\.timestampDelta).max() ?? 0))
        tail.writeInt64(producerId)
        tail.writeInt16(producerEpoch)
        tail.writeInt32(baseSequence)
        tail.writeInt32(Int32(records.count))
        tail.writeRaw(payload)
        var w = KafkaWriter()
        w.writeInt64(baseOffset)
        w.writeInt32(Int32(4 + 1 + 4 + tail.count))
        w.writeInt32(partitionLeaderEpoch)
        w.writeInt8(2)
        w.writeUInt32(referenceCRC32C(tail.bytes))
        w.writeRaw(tail.bytes)
        return w.bytes
    }

    static func controlBatch(
        baseOffset: Int64, producerId: Int64, type: Int16, coordinatorEpoch: Int32 = 3
    ) -> TestBatch {
        var key = KafkaWriter()
        key.writeInt16(0)
        key.writeInt16(type)
        var value = KafkaWriter()
        value.writeInt16(0)
        value.writeInt32(coordinatorEpoch)
        return TestBatch(
            baseOffset: baseOffset, transactional: true, control: true, producerId: producerId, producerEpoch: 1,
            records: [TestRecord(offsetDelta: 0, key: key.bytes, value: value.bytes)])
    }
}

/// Legacy (magic 0/1) message encoder.
struct TestLegacyMessage {
    var offset: Int64
    var magic: Int8
    var attributes: Int8 = 0
    var timestamp: Int64 = 1_600_000_000_000
    var key: [UInt8]?
    var value: [UInt8]?

    func encode() -> [UInt8] {
        var body = KafkaWriter()  // magic .. end: the CRC-covered part
        body.writeInt8(magic)
        body.writeInt8(attributes)
        if magic >= 1 { body.writeInt64(timestamp) }
        body.writeNullableBytes(key)
        body.writeNullableBytes(value)
        var w = KafkaWriter()
        w.writeInt64(offset)
        w.writeInt32(Int32(4 + body.count))
        w.writeUInt32(referenceCRC32(body.bytes))
        w.writeRaw(body.bytes)
        return w.bytes
    }

    /// A compressed wrapper holding `inner` (already encoded with their inner offsets).
    static func wrapper(
        offset: Int64, magic: Int8, codec: TestCodec, inner: [TestLegacyMessage], logAppendTime: Bool = false,
        timestamp: Int64 = 1_600_000_009_999
    ) -> TestLegacyMessage {
        var attributes = Int8(codec.attributeBits)
        if logAppendTime { attributes |= 0x08 }
        return TestLegacyMessage(
            offset: offset, magic: magic, attributes: attributes, timestamp: timestamp, key: nil,
            value: codec.compress(inner.flatMap { $0.encode() }))
    }
}

extension ArraySlice where Element == UInt8 {
    var string: String { String(decoding: self, as: UTF8.self) }
}
