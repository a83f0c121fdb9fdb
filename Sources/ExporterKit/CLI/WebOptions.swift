import ArgumentParser

/// Flags every exporter shares, named as in Prometheus' exporters.
public struct CommonOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("web.listen-address"),
        help: ArgumentHelp(
            "Address to listen on: HOST:PORT, :PORT or [IPv6]:PORT. Repeat for several (default: the exporter's port on all interfaces).",
            valueName: "address"))
    public var listenAddresses: [String] = []

    @Option(name: .customLong("web.telemetry-path"), help: "Path under which to expose metrics.")
    public var telemetryPath: String = "/metrics"

    @Option(
        name: .customLong("web.config.file"),
        help: ArgumentHelp(
            "Path to a web configuration file (exporter-toolkit format) enabling TLS and/or basic auth.",
            valueName: "file"))
    public var webConfigFile: String?

    @Option(
        name: .customLong("web.max-requests"),
        help: "Maximum number of scrapes served at once; excess requests get 503. 0 disables the limit.")
    public var maxRequests: Int = 10

    @Option(
        name: .customLong("web.max-connections"),
        help: ArgumentHelp(
            "Maximum client connections open at once; more are closed on arrival. 0: the open-file limit (RLIMIT_NOFILE) minus a reserve for the exporter's own files and Kafka connections.",
            valueName: "n"))
    public var maxConnections: Int = 0

    @Option(
        name: .customLong("web.request-read-timeout"),
        help: ArgumentHelp(
            "Time allowed from a request's first byte to its last (headers and body), and for a TLS handshake; slower requests get 408 and are closed, slower handshakes are closed.",
            valueName: "duration"))
    public var requestReadTimeout: ConfigDuration = ConfigDuration(.seconds(10))

    @Option(
        name: .customLong("log.level"), help: "Only log messages with this severity or above: debug, info, warn, error."
    )
    public var logLevel: LogLevelOption = .info

    @Option(name: .customLong("log.format"), help: "Output format of log messages: logfmt or json.")
    public var logFormat: LogFormat = .logfmt

    public init() {}

    public func validate() throws {
        if !telemetryPath.hasPrefix("/") {
            throw ValidationError("--web.telemetry-path must start with '/' (got \"\(telemetryPath)\")")
        }
        if ["/", "/-/healthy", "/-/ready", "/-/reload"].contains(telemetryPath) {
            throw ValidationError("--web.telemetry-path \(telemetryPath) collides with a built-in endpoint")
        }
        if maxRequests < 0 { throw ValidationError("--web.max-requests must be >= 0") }
        if maxConnections < 0 { throw ValidationError("--web.max-connections must be >= 0") }
        if requestReadTimeout.duration <= .zero {
            throw ValidationError("--web.request-read-timeout must be above zero")
        }
        for a in listenAddresses {
            do { _ = try ListenAddress(parsing: a) } catch { throw ValidationError(error.description) }
        }
    }

    /// The server limits these flags set.
    public var serverLimits: HTTPServer.Limits {
        var limits = HTTPServer.Limits()
        limits.maxConnections = maxConnections > 0 ? maxConnections : nil
        limits.requestReadTimeout = .milliseconds(requestReadTimeout.duration.milliseconds)
        return limits
    }

    public func addresses(defaultPort: Int) -> [ListenAddress] {
        if listenAddresses.isEmpty { return [ListenAddress(host: nil, port: defaultPort)] }
        return listenAddresses.compactMap { try? ListenAddress(parsing: $0) }
    }
}

extension ConfigDuration: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public var defaultValueDescription: String { text }
}
