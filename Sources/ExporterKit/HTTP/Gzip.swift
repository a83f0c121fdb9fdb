import CZlib
import NIOCore

/// gzip of a whole response body (responses are built in memory before they are sent).
enum Gzip {
    /// nil if zlib fails (the caller then sends the body uncompressed).
    static func compress(_ input: ByteBuffer, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer? {
        var stream = z_stream()
        // windowBits 15 + 16: a gzip header and trailer rather than zlib's.
        let rc = deflateInit2_(
            &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
            Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        var out = allocator.buffer(capacity: max(256, input.readableBytes / 8))
        let ok = input.withUnsafeReadableBytes { src -> Bool in
            let base = src.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self)) }
            var offset = 0
            while true {
                if stream.avail_in == 0, offset < src.count, let base {
                    // avail_in is 32 bits: feed bodies past 4 GiB in pieces.
                    let n = min(src.count - offset, 1 << 30)
                    stream.next_in = base + offset
                    stream.avail_in = UInt32(n)
                    offset += n
                }
                let flush = offset == src.count ? Z_FINISH : Z_NO_FLUSH
                let inBefore = stream.avail_in
                var status: Int32 = Z_OK
                let produced = out.writeWithUnsafeMutableBytes(minimumWritableBytes: 64 * 1024) { dst in
                    let room = min(dst.count, Int(UInt32.max))
                    stream.next_out = dst.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = UInt32(room)
                    status = deflate(&stream, flush)
                    return room - Int(stream.avail_out)
                }
                switch status {
                case Z_STREAM_END: return true
                case Z_OK, Z_BUF_ERROR:
                    if produced == 0 && inBefore == stream.avail_in && status == Z_BUF_ERROR { return false }
                default: return false
                }
            }
        }
        return ok ? out : nil
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
