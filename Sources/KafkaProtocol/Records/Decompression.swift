import CLZ4
import CSnappy
import CZlib
import CZstd

/// Why a compressed blob could not be expanded.
enum DecompressionFailure: Error, Equatable {
    /// The output would exceed the limit (decompression bomb or a too small limit).
    case tooLarge
    case failed(String)
}

/// Decompressors for the four Kafka codecs, each bounded by an output limit: at most
/// `limit + 1` bytes of output are ever allocated, so a bomb cannot exhaust memory.
enum Decompressor {
    static func decompress(
        _ codec: CompressionCodec,
        _ input: ArraySlice<UInt8>,
        limit: Int
    ) throws -> [UInt8] {
        switch codec {
        case .none: return Array(input)
        case .gzip: return try gunzip(input, limit: limit)
        case .snappy: return try unsnappy(input, limit: limit)
        case .lz4: return try unlz4(input, limit: limit)
        case .zstd: return try unzstd(input, limit: limit)
        }
    }

    /// A growing output buffer: `bytes[0..<count]` is the data; capacity never exceeds limit + 1.
    struct Output {
        var bytes: [UInt8]
        var count = 0
        let limit: Int

        init(hint: Int, limit: Int) {
            self.limit = min(max(0, limit), Int.max - 1)
            bytes = [UInt8](repeating: 0, count: max(1, min(max(hint, 1), self.limit + 1)))
        }

        var free: Int { bytes.count - count }

        /// Makes room; throws `.tooLarge` once the data already holds more than `limit` bytes.
        mutating func grow() throws {
            guard bytes.count <= limit else { throw DecompressionFailure.tooLarge }
            let newSize = min(limit + 1, max(bytes.count * 2, 4096))
            bytes.append(contentsOf: repeatElement(0, count: newSize - bytes.count))
        }

        consuming func finish() throws -> [UInt8] {
            guard count <= limit else { throw DecompressionFailure.tooLarge }
            bytes.removeSubrange(count...)
            return bytes
        }
    }

    static func initialHint(_ compressedCount: Int) -> Int {
        let (m, o) = compressedCount.multipliedReportingOverflow(by: 4)
        return o ? Int.max : max(m, 16384)
    }

    // MARK: gzip (zlib, windowBits 15 + 32: gzip or zlib header auto-detected)

    static func gunzip(_ input: ArraySlice<UInt8>, limit: Int) throws -> [UInt8] {
        var hint = initialHint(input.count)
        if input.count >= 18 {
            // ISIZE trailer: uncompressed size mod 2^32 of the (last) member.
            let e = input.endIndex
            let isize = Int(input[e - 4]) | Int(input[e - 3]) << 8 | Int(input[e - 2]) << 16 | Int(input[e - 1]) << 24
            if isize > 0 { hint = isize + 1 }
        }
        var out = Output(hint: hint, limit: limit)
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DecompressionFailure.failed("inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        return try input.withUnsafeBytes { (src: UnsafeRawBufferPointer) throws -> [UInt8] in
            guard let srcBase = src.baseAddress, src.count > 0 else {
                throw DecompressionFailure.failed("empty gzip data")
            }
            stream.next_in = UnsafeMutablePointer(mutating: srcBase.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = UInt32(clamping: src.count)
            var consumedTotal = 0
            while true {
                if out.free == 0 { try out.grow() }
                let before = stream.avail_in
                let produced: Int
                let start = out.count
                let rc: Int32 = out.bytes.withUnsafeMutableBytes { dst in
                    let free = min(dst.count - start, Int(UInt32.max))
                    stream.next_out = dst.baseAddress!.advanced(by: start).assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = UInt32(free)
                    let rc = inflate(&stream, Z_NO_FLUSH)
                    return rc
                }
                produced = out.bytes.count - out.count - Int(stream.avail_out)
                out.count += produced
                consumedTotal += Int(before - stream.avail_in)
                switch rc {
                case Z_STREAM_END:
                    // Another gzip member may follow (concatenated streams); anything else is ignored.
                    let rest = src.count - consumedTotal
                    if rest >= 2, src[consumedTotal] == 0x1F, src[consumedTotal + 1] == 0x8B {
                        inflateReset(&stream)
                        continue
                    }
                    return try out.finish()
                case Z_OK:
                    if produced == 0 && before == stream.avail_in && out.free > 0 {
                        throw DecompressionFailure.failed("gzip stream stalled")
                    }
                case Z_BUF_ERROR:
                    if stream.avail_in == 0 { throw DecompressionFailure.failed("truncated gzip stream") }
                    if out.free > 0 { throw DecompressionFailure.failed("gzip stream stalled") }
                default:
                    let msg = stream.msg.map { String(cString: $0) } ?? "error \(rc)"
                    throw DecompressionFailure.failed(msg)
                }
                if stream.avail_in == 0 && out.free > 0 && rc == Z_OK {
                    // All input consumed but no stream end: one more call tells whether it is truncated.
                    continue
                }
            }
        }
    }

    // MARK: snappy (xerial framing or raw block)

    static let xerialMagic: [UInt8] = [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00]

    static func unsnappy(_ input: ArraySlice<UInt8>, limit: Int) throws -> [UInt8] {
        if input.count >= 16, input.prefix(8).elementsEqual(xerialMagic) {
            var out = Output(hint: initialHint(input.count), limit: limit)
            var p = input.startIndex + 16
            while p < input.endIndex {
                guard input.endIndex - p >= 4 else {
                    throw DecompressionFailure.failed("truncated xerial chunk header")
                }
                let n = Int(input[p]) << 24 | Int(input[p + 1]) << 16 | Int(input[p + 2]) << 8 | Int(input[p + 3])
                p += 4
                guard n <= input.endIndex - p else { throw DecompressionFailure.failed("truncated xerial chunk") }
                try snappyBlock(input[p..<p + n], into: &out)
                p += n
            }
            return try out.finish()
        }
        var out = Output(hint: 1, limit: limit)
        try snappyBlock(input, into: &out)
        return try out.finish()
    }

    static func snappyBlock(_ block: ArraySlice<UInt8>, into out: inout Output) throws {
        try block.withUnsafeBytes { (src: UnsafeRawBufferPointer) throws in
            let srcPtr = src.baseAddress?.assumingMemoryBound(to: CChar.self)
            var length = 0
            guard let srcPtr, snappy_uncompressed_length(srcPtr, src.count, &length) == SNAPPY_OK else {
                throw DecompressionFailure.failed("invalid snappy block header")
            }
            guard length <= out.limit - out.count else { throw DecompressionFailure.tooLarge }
            if out.free < length {
                out.bytes.append(contentsOf: repeatElement(0, count: length - out.free))
            }
            var produced = length
            let start = out.count
            let status = out.bytes.withUnsafeMutableBytes { dst in
                snappy_uncompress(
                    srcPtr, src.count, dst.baseAddress!.advanced(by: start).assumingMemoryBound(to: CChar.self),
                    &produced)
            }
            guard status == SNAPPY_OK, produced == length else {
                throw DecompressionFailure.failed("invalid snappy block")
            }
            out.count += produced
        }
    }

    // MARK: lz4 (frame format)

    static func unlz4(_ input: ArraySlice<UInt8>, limit: Int) throws -> [UInt8] {
        var ctx: OpaquePointer?
        guard LZ4F_isError(LZ4F_createDecompressionContext(&ctx, UInt32(LZ4F_VERSION))) == 0, let ctx else {
            throw DecompressionFailure.failed("cannot create lz4 context")
        }
        defer { LZ4F_freeDecompressionContext(ctx) }
        var out = Output(hint: initialHint(input.count), limit: limit)
        return try input.withUnsafeBytes { (src: UnsafeRawBufferPointer) throws -> [UInt8] in
            guard let srcBase = src.baseAddress, src.count > 0 else {
                throw DecompressionFailure.failed("empty lz4 data")
            }
            var pos = 0
            var lastHint = 1
            while pos < src.count || lastHint != 0 {
                if out.free == 0 { try out.grow() }
                var srcSize = src.count - pos
                var dstSize = out.free
                let start = out.count
                let hint = out.bytes.withUnsafeMutableBytes { dst in
                    LZ4F_decompress(ctx, dst.baseAddress! + start, &dstSize, srcBase + pos, &srcSize, nil)
                }
                if LZ4F_isError(hint) != 0 {
                    throw DecompressionFailure.failed(String(cString: LZ4F_getErrorName(hint)))
                }
                pos += srcSize
                out.count += dstSize
                lastHint = hint
                if hint != 0 && pos >= src.count && out.free > 0 && dstSize == 0 && srcSize == 0 {
                    throw DecompressionFailure.failed("truncated lz4 frame")
                }
            }
            return try out.finish()
        }
    }

    /// Kafka before 0.10 (magic 0 messages) computed the LZ4 frame header checksum over the
    /// magic number too (KAFKA-3160); the Java client ignores that byte for magic 0. This returns
    /// a copy with the header checksum recomputed, or nil when the frame header is not there.
    static func fixingLegacyLZ4HeaderChecksum(_ input: ArraySlice<UInt8>) -> [UInt8]? {
        var frame = Array(input)
        guard frame.count >= 7, frame[0] == 0x04, frame[1] == 0x22, frame[2] == 0x4D, frame[3] == 0x18 else {
            return nil
        }
        let flags = frame[4]
        let descriptorLength = 2 + (flags & 0x08 != 0 ? 8 : 0) + (flags & 0x01 != 0 ? 4 : 0)
        guard frame.count > 4 + descriptorLength else { return nil }
        frame[4 + descriptorLength] = UInt8(truncatingIfNeeded: xxh32Short(frame[4..<4 + descriptorLength]) >> 8)
        return frame
    }

    /// XXH32 with seed 0 for inputs shorter than 16 bytes (an LZ4 frame descriptor).
    static func xxh32Short(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        let p1: UInt32 = 0x9E37_79B1
        let p2: UInt32 = 0x85EB_CA77
        let p3: UInt32 = 0xC2B2_AE3D
        let p4: UInt32 = 0x27D4_EB2F
        let p5: UInt32 = 0x1656_67B1
        precondition(bytes.count < 16)
        var h = p5 &+ UInt32(bytes.count)
        var i = bytes.startIndex
        while i + 4 <= bytes.endIndex {
            let word =
                UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
            h = h &+ word &* p3
            h = ((h << 17) | (h >> 15)) &* p4
            i += 4
        }
        while i < bytes.endIndex {
            h = h &+ UInt32(bytes[i]) &* p5
            h = ((h << 11) | (h >> 21)) &* p1
            i += 1
        }
        h ^= h >> 15
        h = h &* p2
        h ^= h >> 13
        h = h &* p3
        h ^= h >> 16
        return h
    }

    // MARK: zstd (streaming: content size may be absent)

    static func unzstd(_ input: ArraySlice<UInt8>, limit: Int) throws -> [UInt8] {
        guard let ctx = ZSTD_createDCtx() else { throw DecompressionFailure.failed("cannot create zstd context") }
        defer { ZSTD_freeDCtx(ctx) }
        return try input.withUnsafeBytes { (src: UnsafeRawBufferPointer) throws -> [UInt8] in
            guard let srcBase = src.baseAddress, src.count > 0 else {
                throw DecompressionFailure.failed("empty zstd data")
            }
            var hint = initialHint(src.count)
            let declared = ZSTD_getFrameContentSize(srcBase, src.count)
            if declared < UInt64.max - 1 {  // not ZSTD_CONTENTSIZE_UNKNOWN / ZSTD_CONTENTSIZE_ERROR
                guard declared <= UInt64(limit) else { throw DecompressionFailure.tooLarge }
                hint = Int(declared) + 1
            }
            var out = Output(hint: hint, limit: limit)
            var inBuf = ZSTD_inBuffer(src: srcBase, size: src.count, pos: 0)
            var lastRet = 1
            while inBuf.pos < inBuf.size || lastRet != 0 {
                if out.free == 0 { try out.grow() }
                let inBefore = inBuf.pos
                var produced = 0
                let start = out.count
                let free = out.free
                let ret = out.bytes.withUnsafeMutableBytes { dst in
                    var outBuf = ZSTD_outBuffer(dst: dst.baseAddress! + start, size: free, pos: 0)
                    let r = ZSTD_decompressStream(ctx, &outBuf, &inBuf)
                    produced = outBuf.pos
                    return r
                }
                if ZSTD_isError(ret) != 0 { throw DecompressionFailure.failed(String(cString: ZSTD_getErrorName(ret))) }
                out.count += produced
                lastRet = ret
                if ret != 0 && inBuf.pos >= inBuf.size && produced == 0 && inBefore == inBuf.pos && out.free > 0 {
                    throw DecompressionFailure.failed("truncated zstd frame")
                }
            }
            return try out.finish()
        }
    }
}
