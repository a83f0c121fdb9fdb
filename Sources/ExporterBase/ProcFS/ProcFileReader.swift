#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Reads whole /proc files with a plain open + read(2) loop.
///
/// Foundation's `Data(contentsOf:)` / `String(contentsOfFile:)` stop after the
/// first short read, and seq_file-backed /proc files return at most about one
/// page per read(2), so they silently truncate at ~4 KB. Only `read() == 0`
/// means end of file here.
///
/// The buffer is reused across calls and only ever grows, so steady-state
/// scrapes do not allocate. Not thread-safe: use one reader per thread/actor.
public final class ProcFileReader {
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int

    public init(initialCapacity: Int = 1 << 20) {
        capacity = max(initialCapacity, 4096)
        buffer = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Current buffer size in bytes (grows to the largest file read so far).
    public var bufferCapacity: Int { capacity }

    /// Reads the whole file and calls `body` with its bytes. The bytes are only
    /// valid inside `body`. Throws `ProcFileError` or whatever `body` throws.
    public func withContents<R>(path: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let count = try load(path: path)
        return try body(UnsafeRawBufferPointer(start: buffer, count: count))
    }

    /// Streams the file in chunks of about `chunkSize` bytes, each ending on a
    /// line boundary; the trailing partial line is carried over into the next
    /// chunk. Only the final chunk may lack a trailing newline (when the file
    /// does). Keeps the working set cache-sized for 15 MB /proc/net/tcp files.
    /// A single line longer than `chunkSize` grows the chunk rather than being split.
    public func forEachLineChunk(
        path: String,
        chunkSize: Int = 256 << 10,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var limit = max(chunkSize, 64)
        reserve(limit, preserving: 0)
        let fd = try openFile(path)
        defer { _ = close(fd) }

        var filled = 0
        while true {
            var eof = false
            while filled < limit {
                let n = try readSome(fd, path: path, into: buffer + filled, count: limit - filled)
                if n == 0 {
                    eof = true
                    break
                }
                filled += n
            }
            if eof {
                if filled > 0 { try body(UnsafeRawBufferPointer(start: buffer, count: filled)) }
                return
            }
            let bytes = buffer.assumingMemoryBound(to: UInt8.self)
            var cut = filled
            while cut > 0 && bytes[cut - 1] != 0x0A { cut -= 1 }
            if cut == 0 {
                // No newline in the whole chunk: one very long line; widen the window.
                limit *= 2
                reserve(limit, preserving: filled)
                continue
            }
            try body(UnsafeRawBufferPointer(start: buffer, count: cut))
            let carry = filled - cut
            if carry > 0 { memmove(buffer, buffer + cut, carry) }
            filled = carry
        }
    }

    /// Reads a small file (e.g. /proc/self/stat, /proc/<pid>/comm) as UTF-8.
    public static func readString(path: String) throws(ProcFileError) -> String {
        let reader = ProcFileReader(initialCapacity: 4096)
        return reader.string(count: try reader.load(path: path))
    }

    /// Reads the whole file into `buffer`, returning the byte count.
    private func load(path: String) throws(ProcFileError) -> Int {
        let fd = try openFile(path)
        defer { _ = close(fd) }
        // nil only when over a limit, and there is none here.
        return try readToEnd(fd, path: path, maxBytes: nil) ?? 0
    }

    /// The read(2) loop of every whole-file read (here and `ConfigFileReader`): reads `fd` into
    /// `buffer` until read(2) returns 0, growing the buffer as needed, and returns the byte count.
    /// The size `stat` reports is never trusted: /proc files report 0. Returns nil as soon as
    /// more than `maxBytes` bytes arrived (nil: no limit).
    func readToEnd(_ fd: Int32, path: String, maxBytes: Int?) throws(ProcFileError) -> Int? {
        let stop = maxBytes.map { $0 + 1 } ?? .max  // reading one byte past the limit proves it is passed
        var count = 0
        while true {
            if count == capacity { reserve(min(capacity * 2, stop), preserving: count) }
            let n = try readSome(fd, path: path, into: buffer + count, count: min(capacity, stop) - count)
            if n == 0 { return count }
            count += n
            if count >= stop { return nil }
        }
    }

    /// The first `count` bytes of the buffer as UTF-8 text.
    func string(count: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(start: buffer, count: count), as: UTF8.self)
    }

    private func reserve(_ needed: Int, preserving used: Int) {
        guard needed > capacity else { return }
        let grown = UnsafeMutableRawPointer.allocate(byteCount: needed, alignment: 16)
        if used > 0 { grown.copyMemory(from: buffer, byteCount: used) }
        buffer.deallocate()
        buffer = grown
        capacity = needed
    }
}

private func openFile(_ path: String) throws(ProcFileError) -> Int32 {
    while true {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { return fd }
        let code = errno
        if code != EINTR { throw ProcFileError(operation: "open", path: path, errno: code) }
    }
}

/// One read(2), retried on EINTR. Returns 0 only at end of file.
private func readSome(
    _ fd: Int32, path: String, into pointer: UnsafeMutableRawPointer, count: Int
) throws(ProcFileError) -> Int {
    while true {
        let n = read(fd, pointer, count)
        if n >= 0 { return n }
        let code = errno
        if code != EINTR { throw ProcFileError(operation: "read", path: path, errno: code) }
    }
}
