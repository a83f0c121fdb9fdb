#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A failed system call while reading a /proc (or any) file.
public struct ProcFileError: Error, CustomStringConvertible, Sendable {
    /// The failing call: "open" or "read".
    public let operation: String
    public let path: String
    public let errno: Int32

    public init(operation: String, path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    /// e.g. "open /proc/net/tcp: Permission denied"
    public var description: String {
        let message = strerror(self.errno).map { String(cString: $0) } ?? "errno \(self.errno)"
        return "\(operation) \(path): \(message)"
    }
}
