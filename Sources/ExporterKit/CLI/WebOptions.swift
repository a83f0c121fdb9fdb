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
        for a in listenAddresses {
            do { _ = try ListenAddress(parsing: a) } catch { throw ValidationError(error.description) }
        }
    }

    public func addresses(defaultPort: Int) -> [ListenAddress] {
        if listenAddresses.isEmpty { return [ListenAddress(host: nil, port: defaultPort)] }
        return listenAddresses.compactMap { try? ListenAddress(parsing: $0) }
    }
}
