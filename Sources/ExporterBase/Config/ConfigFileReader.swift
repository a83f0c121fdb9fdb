#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Reads a configuration file, refusing what a config file cannot be: a FIFO, device or
/// directory (`--config.file /dev/zero` would grow without end; a FIFO would block the reload)
/// and anything larger than `maxBytes`.
public enum ConfigFileReader {
    /// The largest config file any exporter accepts (documented in the README). Real configs are
    /// a few KiB; a peer-groups file with tens of thousands of CIDRs still fits.
    public static let maxBytes = 1 << 20

    public static func load(path: String, maxBytes: Int = maxBytes) throws(ConfigError) -> String {
        var st = stat()
        guard stat(path, &st) == 0 else { throw failure(path, "cannot read: \(errnoText(errno))") }
        try checkKind(st, path: path, maxBytes: maxBytes)
        var fd: Int32
        repeat { fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw failure(path, "cannot read: \(errnoText(errno))") }
        defer { _ = close(fd) }
        // The path may have been swapped between stat and open: check what was opened.
        guard fstat(fd, &st) == 0 else { throw failure(path, "cannot read: \(errnoText(errno))") }
        try checkKind(st, path: path, maxBytes: maxBytes)

        // Room for one byte more than stat promised, so a file that did not change ends in one pass.
        let reader = ProcFileReader(initialCapacity: min(Int(st.st_size), maxBytes) + 1)
        let count: Int?
        do {
            count = try reader.readToEnd(fd, path: path, maxBytes: maxBytes)
        } catch {
            throw failure(path, "cannot read: \(errnoText(error.errno))")
        }
        // Over the limit although stat said otherwise: the file grew, or reports no size (/proc).
        guard let count else { throw tooLarge(path, maxBytes) }
        return reader.string(count: count)
    }

    private static func checkKind(_ st: stat, path: String, maxBytes: Int) throws(ConfigError) {
        let kind = st.st_mode & S_IFMT
        guard kind == S_IFREG else {
            let what =
                switch kind {
                case S_IFDIR: "a directory"
                case S_IFIFO: "a FIFO"
                case S_IFCHR, S_IFBLK: "a device"
                case S_IFSOCK: "a socket"
                default: "not a regular file"
                }
            throw failure(path, "cannot read: \(what), expected a regular file")
        }
        if Int(st.st_size) > maxBytes { throw tooLarge(path, maxBytes) }
    }

    private static func tooLarge(_ path: String, _ maxBytes: Int) -> ConfigError {
        failure(path, "file is larger than the \(maxBytes / 1024) KiB a config file may have")
    }

    private static func failure(_ path: String, _ message: String) -> ConfigError {
        ConfigError(file: path, keyPath: "", message: message)
    }

    private static func errnoText(_ code: Int32) -> String {
        strerror(code).map { String(cString: $0) } ?? "errno \(code)"
    }
}
