import ExporterKit

extension ProcNetTCP {
    /// Streams `path` (e.g. "/proc/net/tcp6" or "/proc/<pid>/net/tcp") through
    /// `reader` chunk by chunk, so parsing overlaps with a cache-sized working
    /// set instead of materialising 15 MB first.
    public static func scan(
        path: String,
        ipv6: Bool,
        reader: ProcFileReader,
        stats: inout ProcNetParseStats,
        row: (TCPSocketRow) -> Void
    ) throws {
        try reader.forEachLineChunk(path: path) { chunk in
            parse(chunk, ipv6: ipv6, stats: &stats, row: row)
        }
    }
}
