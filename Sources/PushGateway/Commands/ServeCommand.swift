import ArgumentParser
import ExporterKit
import Logging
import NIOCore

/// Receives pushes and serves them (the default subcommand).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Receive pushes and serve them (default).")

    @OptionGroup var common: CommonOptions

    @Option(
        name: .customLong("config.file"),
        help: ArgumentHelp("Optional YAML file with per-job TTLs (job_ttls), reloaded on change.", valueName: "file"))
    var configFile: String?

    @Option(
        name: .customLong("metric.ttl"),
        help: ArgumentHelp(
            "Remove a group not pushed for this long (0s: keep until deleted, the Pushgateway's behaviour).",
            valueName: "duration"))
    var metricTTL = ConfigDuration(.zero)

    @Option(
        name: .customLong("push.max-body-bytes"),
        help: ArgumentHelp("Largest push body accepted; larger ones get 413.", valueName: "bytes"))
    var maxBodyBytes = 16 * 1024 * 1024

    @Option(
        name: .customLong("push.max-groups"),
        help: ArgumentHelp("Most groups held; a push creating one more gets 429. 0: no limit.", valueName: "n"))
    var maxGroups = 10_000

    @Option(
        name: .customLong("push.max-series-per-group"),
        help: ArgumentHelp(
            "Most series (sample lines) one group may hold; a push above it gets 413. 0: no limit.", valueName: "n"))
    var maxSeriesPerGroup = 10_000

    func validate() throws {
        if maxBodyBytes < 1 { throw ValidationError("--push.max-body-bytes must be at least 1") }
        if maxGroups < 0 { throw ValidationError("--push.max-groups must be >= 0") }
        if maxSeriesPerGroup < 0 { throw ValidationError("--push.max-series-per-group must be >= 0") }
        if metricTTL.duration < .zero { throw ValidationError("--metric.ttl must not be negative") }
    }

    func run() async throws {
        let logger = ExporterRuntime.bootstrapLogging(common, label: "push-gateway")
        var config = PushGatewayConfig()
        if let configFile {
            do {
                config = try ConfigLoader.load(PushGatewayConfig.self, path: configFile)
            } catch {
                logger.error("invalid configuration", metadata: ["err": "\(error)"])
                throw ExitCode.failure
            }
        }
        let store = MetricStore(limits: StoreLimits(maxGroups: maxGroups, maxSeriesPerGroup: maxSeriesPerGroup))
        let stats = GatewayStats()
        let defaultTTL = metricTTL.duration
        let settings = TTLSettings(TTLPolicy(defaultTTL: defaultTTL, config: config))
        let expiry = ExpiryService(store: store, stats: stats, settings: settings, logger: logger)

        var runtime = ExporterRuntime(
            build: PushGatewayCommand.build, namespace: "pushgateway", options: common, defaultPort: 9091,
            logger: logger, collectors: [stats.collector(store: store)])
        runtime.maxBodyBytes = maxBodyBytes
        runtime.services = [expiry]
        runtime.extraRoutes = [
            (PushPath.prefix, PushRoutes(store: store, stats: stats, logger: logger))
        ]
        runtime.telemetry = { own, _ in
            let ownFamilies = Exposition.convert(own)
            store.setOwnFamilies(
                Dictionary(
                    ownFamilies.map { ($0.name, OwnFamily(type: $0.type, help: $0.help ?? "")) },
                    uniquingKeysWith: { a, _ in a }))
            let families = Exposition.merge(groups: store.groups, own: ownFamilies)
            var body = ByteBuffer()
            TextEncoder.encode(families, into: &body)
            return HTTPResponse(
                status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"], buffer: body)
        }
        if let path = configFile {
            runtime.reloadConfig = {
                do {
                    let fresh = try ConfigLoader.load(PushGatewayConfig.self, path: path)
                    settings.current = TTLPolicy(defaultTTL: defaultTTL, config: fresh)
                    logger.info("config reloaded", metadata: ["job_ttls": "\(fresh.jobTTLs.count)"])
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            runtime.watchedFiles = { [path] }
        }
        do {
            try await runtime.run()
        } catch {
            logger.error("exiting", metadata: ["err": "\(error)"])
            throw ExitCode.failure
        }
    }
}
