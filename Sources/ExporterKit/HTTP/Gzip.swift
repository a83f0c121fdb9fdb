import CZlib
import NIOCore

/// gzip, either of a whole body or of one written piece by piece (a scrape compressed family by
/// family, so its uncompressed text never exists whole).
final class GzipStream {
    /// The z_stream must not move: zlib's state points back at it.
    private let stream: UnsafeMutablePointer<z_stream>
    private(set) var output: ByteBuffer
    private var failed = false
    private var finished = false

    /// nil if zlib cannot be initialised.
    init?(allocator: ByteBufferAllocator = ByteBufferAllocator(), capacity: Int = 64 * 1024) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits 15 + 16: a gzip header and trailer rather than zlib's.
        let rc = deflateInit2_(
            stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
            Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            stream.deallocate()
            return nil
        }
        output = allocator.buffer(capacity: max(256, capacity))
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Compresses the readable bytes of `input` (and consumes them).
    func write(_ input: inout ByteBuffer) {
        guard !failed, !finished else { return }
        input.withUnsafeReadableBytes { failed = !run($0, flush: Z_NO_FLUSH) }
        input.moveReaderIndex(to: input.writerIndex)
    }

    /// Ends the stream; nil if zlib failed on the way (the caller sends the body uncompressed).
    func finish() -> ByteBuffer? {
        guard !failed else { return nil }
        if !finished {
            finished = true
            failed = !run(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH)
        }
        return failed ? nil : output
    }

    private func run(_ src: UnsafeRawBufferPointer, flush: Int32) -> Bool {
        let base = src.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self)) }
        var offset = 0
        while true {
            if stream.pointee.avail_in == 0, offset < src.count, let base {
                // avail_in is 32 bits: feed inputs past 4 GiB in pieces.
                let n = min(src.count - offset, 1 << 30)
                stream.pointee.next_in = base + offset
                stream.pointee.avail_in = UInt32(n)
                offset += n
            }
            if flush == Z_NO_FLUSH, stream.pointee.avail_in == 0, offset == src.count { return true }
            let mode = offset == src.count ? flush : Z_NO_FLUSH
            let inBefore = stream.pointee.avail_in
            var status: Int32 = Z_OK
            let produced = output.writeWithUnsafeMutableBytes(minimumWritableBytes: 64 * 1024) { dst in
                let room = min(dst.count, Int(UInt32.max))
                stream.pointee.next_out = dst.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = UInt32(room)
                status = deflate(stream, mode)
                return room - Int(stream.pointee.avail_out)
            }
            switch status {
            case Z_STREAM_END: return true
            case Z_OK, Z_BUF_ERROR:
                if produced == 0 && inBefore == stream.pointee.avail_in && status == Z_BUF_ERROR {
                    // No progress possible: with Z_NO_FLUSH and all input taken that is done.
                    return mode == Z_NO_FLUSH && stream.pointee.avail_in == 0
                }
            default: return false
            }
        }
    }
}

enum Gzip {
    /// nil if zlib fails (the caller then sends the body uncompressed).
    static func compress(_ input: ByteBuffer, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer? {
        guard let gzip = GzipStream(allocator: allocator, capacity: input.readableBytes / 8) else { return nil }
        var input = input
        gzip.write(&input)
        return gzip.finish()
    }

    /// Whether an `Accept-Encoding` value admits gzip (RFC 9110 12.5.3: `gzip`, `x-gzip` or `*`,
    /// unless given `q=0`).
    static func isAccepted(by header: String?) -> Bool {
        guard let header else { return false }
        var gzip: Bool?
        var star: Bool?
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingSpaces().lowercased() }
            guard let coding = parts.first else { continue }
            var q = 1.0
            for p in parts.dropFirst() where p.hasPrefix("q=") { q = Double(p.dropFirst(2)) ?? 0 }
            switch coding {
            case "gzip", "x-gzip": gzip = (gzip ?? false) || q > 0
            case "*": star = q > 0
            default: break
            }
        }
        return gzip ?? star ?? false
    }
}
