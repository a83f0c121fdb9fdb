#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a /proc (or any) file could not be read.
public struct ProcFileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let operation: String
    public let errno: Int32

    public var description: String {
        "\(operation) \(path): \(String(cString: strerror(errno)))"
    }
}

/// Reads files with an open + read(2) loop until EOF.
///
/// Foundation's file APIs stop after the first short read on /proc (the kernel returns whole
/// lines per read, ~4 KB), silently truncating large files such as /proc/net/tcp.
public enum ProcFileReader {
    /// Whole file as a String; for small files (/proc/self/stat, /proc/<pid>/comm).
    public static func readString(path: String) throws(ProcFileError) -> String {
        String(decoding: try readBytes(path: path), as: UTF8.self)
    }

    public static func readBytes(path: String) throws(ProcFileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ProcFileError(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                out.append(contentsOf: chunk[0..<n])
            } else if n == 0 {
                return out
            } else if errno != EINTR {
                throw ProcFileError(path: path, operation: "read", errno: errno)
            }
        }
    }
}
