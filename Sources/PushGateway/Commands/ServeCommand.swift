import ArgumentParser
import ExporterKit
import Foundation
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

    @Option(
        name: .customLong("persistence.file"),
        help: ArgumentHelp(
            "File to keep the groups in across restarts (written atomically). Empty: memory only.",
            valueName: "file"))
    var persistenceFile = ""

    @Option(
        name: .customLong("persistence.interval"),
        help: ArgumentHelp(
            "Write the persistence file at most this often after a change (and at shutdown).", valueName: "duration"))
    var persistenceInterval = ConfigDuration(.seconds(300))

    @Flag(
        name: .customLong("web.enable-admin-api"),
        help: "Serve PUT /api/v1/admin/wipe, which deletes every group.")
    var enableAdminAPI = false

    func validate() throws {
        if persistenceInterval.duration <= .zero {
            throw ValidationError("--persistence.interval must be above zero")
        }
        if maxBodyBytes < 1 { throw ValidationError("--push.max-body-bytes must be at least 1") }
        if maxGroups < 0 { throw ValidationError("--push.max-groups must be >= 0") }
        if maxSeriesPerGroup < 0 { throw ValidationError("--push.max-series-per-group must be >= 0") }
        if metricTTL.duration < .zero { throw ValidationError("--metric.ttl must not be negative") }
    }

    static func ownFamilies(_ families: [PushedFamily]) -> [String: OwnFamily] {
        Dictionary(
            families.map { ($0.name, OwnFamily(type: $0.type, help: $0.help ?? "")) }, uniquingKeysWith: { a, _ in a })
    }

    /// What `/api/v1/status` reports.
    var flagValues: [String: String] {
        [
            "web.listen-address": common.listenAddresses.isEmpty
                ? ":9091" : common.listenAddresses.joined(separator: ","),
            "web.telemetry-path": common.telemetryPath, "web.config.file": common.webConfigFile ?? "",
            "web.enable-admin-api": "\(enableAdminAPI)", "config.file": configFile ?? "",
            "metric.ttl": metricTTL.text, "persistence.file": persistenceFile,
            "persistence.interval": persistenceInterval.text, "push.max-body-bytes": "\(maxBodyBytes)",
            "push.max-groups": "\(maxGroups)", "push.max-series-per-group": "\(maxSeriesPerGroup)",
            "log.level": "\(common.logLevel)", "log.format": "\(common.logFormat)",
        ]
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
        if !persistenceFile.isEmpty {
            switch PersistenceFile.load(from: persistenceFile, now: WallClock.nowSeconds) {
            case .none:
                logger.info("no persistence file yet; starting empty", metadata: ["file": "\(persistenceFile)"])
            case .groups(let groups):
                store.restore(groups)
                logger.info(
                    "groups restored", metadata: ["file": "\(persistenceFile)", "groups": "\(groups.count)"])
            case .corrupt(let reason, let movedTo):
                // Never dropped silently: said here, kept aside, counted.
                stats.restoreFailed()
                logger.error(
                    "persistence file unreadable; starting empty",
                    metadata: [
                        "file": "\(persistenceFile)", "err": "\(reason)",
                        "moved_to": "\(movedTo ?? "(could not move it: the next write replaces it)")",
                    ])
            }
        }
        let defaultTTL = metricTTL.duration
        let settings = TTLSettings(TTLPolicy(defaultTTL: defaultTTL, config: config))
        let expiry = ExpiryService(store: store, stats: stats, settings: settings, logger: logger)

        var runtime = ExporterRuntime(
            build: PushGatewayCommand.build, namespace: "pushgateway", options: common, defaultPort: 9091,
            logger: logger, collectors: [stats.collector(store: store)])
        runtime.maxBodyBytes = maxBodyBytes
        runtime.services = [expiry]
        if !persistenceFile.isEmpty {
            runtime.services.append(
                PersistenceService(
                    path: persistenceFile, interval: persistenceInterval.duration, store: store, stats: stats,
                    logger: logger))
        }
        let api = APIRoutes(
            store: store, build: PushGatewayCommand.build, flags: flagValues, startTime: Date(),
            adminEnabled: enableAdminAPI, logger: logger)
        runtime.extraRoutes = [
            (PushPath.prefix, PushRoutes(store: store, stats: stats, logger: logger)),
            (APIRoutes.prefix, api),
        ]
        // The gateway's own families are known before the first scrape, so that a push using one
        // of their names with another type is refused from the start (the scrapes keep it current).
        let ownAtStart = await ScrapeRunner(
            namespace: runtime.namespace, collectors: runtime.collectors + runtime.selfCollectors, logger: logger
        ).gather(timeout: .seconds(5))
        store.setOwnFamilies(Self.ownFamilies(Exposition.convert(ownAtStart)))
        runtime.telemetry = { own, _ in
            let ownFamilies = Exposition.convert(own)
            store.setOwnFamilies(Self.ownFamilies(ownFamilies))
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
