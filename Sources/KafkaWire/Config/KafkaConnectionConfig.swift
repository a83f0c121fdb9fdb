import ExporterBase

/// How to reach one Kafka cluster: shared by both Kafka exporters and embedded inline in
/// their `clusters[]` entries (so errors read `clusters[1].sasl.mechanism: ...`).
///
/// ```yaml
/// bootstrap: [broker1:9093, broker2:9093]
/// client_id: kafka-exporters
/// tls: {ca_file: ca.pem}
/// sasl: {mechanism: SCRAM-SHA-512, username: monitor, password_file: /run/secrets/kafka}
/// timeouts: {connect: 10s, request: 30s}
/// ```
public struct KafkaConnectionConfig: Decodable, Sendable, Equatable {
    public var bootstrap: [BrokerAddress]
    public var clientId: String
    public var tls: TLSClientConfig?
    public var sasl: SASLConfig?
    public var connectTimeout: ConfigDuration
    public var requestTimeout: ConfigDuration
    /// Largest response frame accepted (protects against a non-Kafka peer).
    public var maxResponseBytes: Int

    public static let defaultClientId = "kafka-exporters"

    public init(
        bootstrap: [BrokerAddress], clientId: String = defaultClientId, tls: TLSClientConfig? = nil,
        sasl: SASLConfig? = nil, connectTimeout: Duration = .seconds(10), requestTimeout: Duration = .seconds(30),
        maxResponseBytes: Int = 100 << 20
    ) {
        self.bootstrap = bootstrap
        self.clientId = clientId
        self.tls = tls
        self.sasl = sasl
        self.connectTimeout = ConfigDuration(connectTimeout)
        self.requestTimeout = ConfigDuration(requestTimeout)
        self.maxResponseBytes = maxResponseBytes
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case bootstrap
        case clientId = "client_id"
        case tls
        case sasl
        case timeouts
        case maxResponseBytes = "max_response_bytes"
    }

    enum TimeoutKeys: String, CodingKey, CaseIterable {
        case connect
        case request
    }

    /// Keys of this config, for containers that embed it and check unknown keys themselves.
    public static var keyNames: [String] { CodingKeys.allCases.map(\.rawValue) }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        try self.init(embeddedIn: decoder)
    }

    /// Decodes the connection keys of a mapping that also holds other keys.
    public init(embeddedIn decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let list: [String]
        if let single = try? c.decode(String.self, forKey: .bootstrap) {
            list = single.split(separator: ",").map { Substring($0).trimmingSpaces() }
        } else {
            list = try c.decode([String].self, forKey: .bootstrap)
        }
        guard !list.isEmpty else { throw decoder.invalid(CodingKeys.bootstrap, "at least one broker is required") }
        bootstrap = []
        for (i, text) in list.enumerated() {
            guard let address = BrokerAddress(parsing: text) else {
                throw decoder.invalid(
                    AnyCodingKey(stringValue: "bootstrap[\(i)]"),
                    "invalid broker address \"\(text)\" (expected host:port)")
            }
            bootstrap.append(address)
        }
        clientId = try c.decodeIfPresent(String.self, forKey: .clientId) ?? Self.defaultClientId
        tls = try c.decodeIfPresent(TLSClientConfig.self, forKey: .tls)
        if tls?.enabled == false { tls = nil }
        sasl = try c.decodeIfPresent(SASLConfig.self, forKey: .sasl)
        connectTimeout = ConfigDuration(.seconds(10))
        requestTimeout = ConfigDuration(.seconds(30))
        if c.contains(.timeouts) {
            let t = try c.nestedContainer(keyedBy: AnyCodingKey.self, forKey: .timeouts)
            for key in t.allKeys where TimeoutKeys(rawValue: key.stringValue) == nil {
                throw UnknownKeyError(
                    keyPath: ConfigError.keyPath(decoder.codingPath + [CodingKeys.timeouts, key]), key: key.stringValue,
                    expected: TimeoutKeys.allCases.map(\.rawValue))
            }
            connectTimeout =
                try t.decodeIfPresent(ConfigDuration.self, forKey: AnyCodingKey(stringValue: "connect"))
                ?? connectTimeout
            requestTimeout =
                try t.decodeIfPresent(ConfigDuration.self, forKey: AnyCodingKey(stringValue: "request"))
                ?? requestTimeout
            if connectTimeout.duration <= .zero || requestTimeout.duration <= .zero {
                throw decoder.invalid(CodingKeys.timeouts, "timeouts must be positive")
            }
        }
        maxResponseBytes = try c.decodeIfPresent(Int.self, forKey: .maxResponseBytes) ?? 100 << 20
        guard maxResponseBytes >= 1 << 20 else {
            throw decoder.invalid(CodingKeys.maxResponseBytes, "must be at least 1048576 (1 MiB)")
        }
    }
}

/// `host:port` of a broker (`[v6]:port` for IPv6 literals).
public struct BrokerAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(" ") else { return nil }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// TLS to the brokers.
public struct TLSClientConfig: Decodable, Sendable, Equatable {
    public var enabled: Bool
    /// CA bundle to verify brokers; system roots when absent.
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?
    /// Name to verify in the broker certificate (default: the host connected to).
    public var serverName: String?
    /// Accept any certificate. For tests only: logged as a warning at every connect.
    public var insecureSkipVerify: Bool

    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled
        case caFile = "ca_file"
        case certFile = "cert_file"
        case keyFile = "key_file"
        case serverName = "server_name"
        case insecureSkipVerify = "insecure_skip_verify"
    }

    public init(
        caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, serverName: String? = nil,
        insecureSkipVerify: Bool = false
    ) {
        enabled = true
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.serverName = serverName
        self.insecureSkipVerify = insecureSkipVerify
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        caFile = try c.decodeIfPresent(String.self, forKey: .caFile)
        certFile = try c.decodeIfPresent(String.self, forKey: .certFile)
        keyFile = try c.decodeIfPresent(String.self, forKey: .keyFile)
        serverName = try c.decodeIfPresent(String.self, forKey: .serverName)
        insecureSkipVerify = try c.decodeIfPresent(Bool.self, forKey: .insecureSkipVerify) ?? false
        if (certFile == nil) != (keyFile == nil) {
            throw decoder.invalid(
                certFile == nil ? CodingKeys.certFile : CodingKeys.keyFile,
                "cert_file and key_file must be given together (client certificate)")
        }
        if insecureSkipVerify && caFile != nil {
            throw decoder.invalid(
                CodingKeys.insecureSkipVerify, "contradicts ca_file: verification is either on or off")
        }
    }
}
