import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Writes one logfmt or JSON line per event to stderr, in the shape Prometheus' own
/// binaries use (`ts=... level=info msg="..." key=value`).
public struct StructuredLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let format: LogFormat
    private let label: String

    public init(label: String, format: LogFormat, level: Logger.Level) {
        self.label = label
        self.format = format
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var extra = event.metadata ?? [:]
        if let error = event.error { extra["err"] = "\(error)" }
        emit(level: event.level, message: event.message, metadata: extra, file: event.file, line: event.line)
    }

    public func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
        file: String, function: String, line: UInt
    ) {
        emit(level: level, message: message, metadata: explicit ?? [:], file: file, line: line)
    }

    private func emit(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata, file: String, line: UInt
    ) {
        var fields: [(String, String)] = [
            ("ts", Self.timestamp()), ("level", Self.name(level)), ("source", "\(Self.basename(file)):\(line)"),
            ("msg", message.description),
        ]
        let merged = self.metadata.merging(explicit) { _, new in new }
        for key in merged.keys.sorted() { fields.append((key, "\(merged[key]!)")) }
        var out: String
        switch format {
        case .logfmt:
            out = fields.map { "\($0.0)=\(Self.logfmtValue($0.1))" }.joined(separator: " ")
        case .json:
            out =
                "{" + fields.map { JSONText.quoted($0.0) + ":" + JSONText.quoted($0.1) }.joined(separator: ",")
                + "}"
        }
        out += "\n"
        // One write(2) per line keeps lines from concurrent tasks whole.
        var bytes = Array(out.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }

    static func name(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: return "debug"
        case .info, .notice: return "info"
        case .warning: return "warn"
        case .error, .critical: return "error"
        }
    }

    static func basename(_ file: String) -> Substring {
        file.lastIndex(of: "/").map { file[file.index(after: $0)...] } ?? Substring(file)
    }

    static func logfmtValue(_ v: String) -> String {
        let needsQuotes =
            v.isEmpty || v.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.asciiValue.map { $0 < 0x20 } ?? false }
        guard needsQuotes else { return v }
        return JSONText.quoted(v)
    }

    /// RFC 3339 UTC with milliseconds, without Foundation's formatters.
    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = time_t(ts.tv_sec)
        var tm = tm()
        gmtime_r(&t, &tm)
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        return "\(pad(tm.tm_year + 1900, 4))-\(pad(tm.tm_mon + 1, 2))-\(pad(tm.tm_mday, 2))T"
            + "\(pad(tm.tm_hour, 2)):\(pad(tm.tm_min, 2)):\(pad(tm.tm_sec, 2)).\(pad(Int32(ts.tv_nsec / 1_000_000), 3))Z"
    }
}
