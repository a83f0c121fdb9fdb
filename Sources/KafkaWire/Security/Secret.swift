import ExporterBase

#if canImport(Glibc)
    import Glibc
#endif

/// A password, token or client secret. Its description is redacted so it cannot leak into
/// logs, errors or status pages by string interpolation.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String

    public init(_ value: String) { self.value = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}

/// Where a secret comes from in config: inline, a file (re-read at each use, so rotated
/// files are picked up), or an environment variable.
public enum SecretSource: Sendable, Equatable, CustomStringConvertible {
    case inline(Secret)
    case file(String)
    case environment(String)

    public var description: String {
        switch self {
        case .inline: return "<inline secret>"
        case .file(let path): return "file \(path)"
        case .environment(let name): return "environment variable \(name)"
        }
    }

    /// The current value; trailing newlines of files are dropped (editors add them).
    public func resolve() throws(SASLError) -> Secret {
        switch self {
        case .inline(let s):
            return s
        case .file(let path):
            let text: String
            do {
                text = try ProcFileReader.readString(path: path)
            } catch {
                throw SASLError("cannot read secret from \(path): \(error)")
            }
            var trimmed = Substring(text)
            while let last = trimmed.last, last == "\n" || last == "\r" { trimmed.removeLast() }
            return Secret(String(trimmed))
        case .environment(let name):
            guard let raw = getenv(name) else { throw SASLError("environment variable \(name) is not set") }
            return Secret(String(cString: raw))
        }
    }
}
