/// A `--web.listen-address` value: `:9574` (all interfaces), `host:9574`, `[::1]:9574`.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// nil means every interface.
    public var host: String?
    public var port: Int

    public init(host: String?, port: Int) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String) throws(ConfigError) {
        func bad(_ why: String) -> ConfigError {
            ConfigError(
                keyPath: "--web.listen-address",
                message: "\"\(text)\": \(why) (expected HOST:PORT, :PORT or [IPv6]:PORT)")
        }
        guard let colon = text.lastIndex(of: ":") else { throw bad("no port") }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard !portText.isEmpty, portText.allSatisfy(\.isASCIIDigitChar), let port = Int(portText),
            (0...65535).contains(port)
        else {
            throw bad("invalid port")
        }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]") else { throw bad("unclosed [") }
            host = String(host.dropFirst().dropLast())
            guard !host.isEmpty else { throw bad("empty brackets") }
        } else if host.contains(":") {
            throw bad("IPv6 addresses need brackets")
        }
        self.host = host.isEmpty ? nil : host
        self.port = port
    }

    public var description: String {
        guard let host else { return ":\(port)" }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

extension Character {
    fileprivate var isASCIIDigitChar: Bool { ("0"..."9").contains(self) }
}
