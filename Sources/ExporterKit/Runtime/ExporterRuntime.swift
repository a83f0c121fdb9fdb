import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// Wires one exporter binary together: web config, collectors, HTTP server, reload on
/// SIGHUP / `POST /-/reload` / file change, graceful shutdown on SIGTERM and SIGINT.
public struct ExporterRuntime: Sendable {
    public var build: BuildInfo
    public var namespace: String
    public var options: CommonOptions
    public var defaultPort: Int
    public var logger: Logger
    public var collectors: [any Collector]
    public var isReady: @Sendable () -> Bool = { true }
    /// Reloads the exporter's own configuration; nil when it has none.
    public var reloadConfig: (@Sendable () async -> Result<Void, any Error>)?
    /// Files whose change triggers `reloadConfig` (polled).
    public var watchedFiles: @Sendable () -> [String] = { [] }
    public var watchInterval: Duration = .seconds(5)
    /// Long-running work of the exporter (ingest loops), run beside the server.
    public var services: [any Service] = []
    public var landingExtras: @Sendable () async -> String = { "" }
    public var extraRoutes: [(prefix: String, responder: any HTTPResponder)] = []
    /// See `ExporterRoutes.telemetry`.
    public var telemetry: (@Sendable (_ own: [MetricFamily], _ request: HTTPRequest) async -> HTTPResponse)?
    /// Request body limit (413 above it); nil keeps the server's default.
    public var maxBodyBytes: Int?
    /// Shared by every copy of this value, so `selfCollectors` reports what `run` records.
    private let reloadTracker = ReloadTracker()
    private let httpStats = HTTPServerStats()

    /// The collectors `run` serves beside `collectors`: build info, process, config reloads and
    /// HTTP server counters. A binary that needs the names of the families it serves before the
    /// first scrape gathers `collectors + selfCollectors`, so its list cannot drift from this one.
    public var selfCollectors: [any Collector] {
        [
            build.collector(namespace: namespace), ProcessCollector(), reloadTracker.collector(namespace: namespace),
            httpStats.collector(namespace: namespace),
        ]
    }

    public init(
        build: BuildInfo, namespace: String, options: CommonOptions, defaultPort: Int, logger: Logger,
        collectors: [any Collector]
    ) {
        self.build = build
        self.namespace = namespace
        self.options = options
        self.defaultPort = defaultPort
        self.logger = logger
        self.collectors = collectors
    }

    /// Sets up logging for the process from the shared flags. Call once, from `main`.
    public static func bootstrapLogging(_ options: CommonOptions, label: String) -> Logger {
        let format = options.logFormat
        let level = options.logLevel.level
        LoggingSystem.bootstrap { label in StructuredLogHandler(label: label, format: format, level: level) }
        return Logger(label: label)
    }

    /// Runs until SIGTERM/SIGINT. Throws (for a non-zero exit) on startup errors.
    public func run() async throws {
        if let raised = FileLimit.raiseSoftToHard() {
            logger.info(
                "raised the open-file soft limit to the hard limit",
                metadata: ["from": "\(raised.old)", "to": "\(raised.new)"])
        }
        let webConfig: WebConfigStore
        do {
            webConfig = try WebConfigStore(path: options.webConfigFile)
        } catch {
            logger.error("invalid web config", metadata: ["err": "\(error)"])
            throw error
        }
        let tracker = reloadTracker
        let runner = ScrapeRunner(namespace: namespace, collectors: collectors + selfCollectors, logger: logger)
        let logger = self.logger
        let reloadConfig = self.reloadConfig
        let reloadAll: @Sendable () async -> Result<Void, any Error> = {
            logger.info("reloading configuration")
            var result: Result<Void, any Error> = .success(())
            if case .failure(let e) = webConfig.reload(logger: logger) { result = .failure(e) }
            if let reloadConfig, case .failure(let e) = await reloadConfig() {
                logger.error("config reload failed; keeping the running config", metadata: ["err": "\(e)"])
                result = .failure(e)
            }
            tracker.record(success: (try? result.get()) != nil)
            return result
        }
        var routes = ExporterRoutes(
            telemetryPath: options.telemetryPath, build: build, runner: runner,
            maxConcurrentScrapes: options.maxRequests)
        routes.isReady = isReady
        routes.reload = reloadAll
        routes.landingExtras = landingExtras
        routes.extraRoutes = extraRoutes
        routes.telemetry = telemetry
        var limits = options.serverLimits
        if let maxBodyBytes { limits.maxBodyBytes = maxBodyBytes }
        let server = HTTPServer(
            addresses: options.addresses(defaultPort: defaultPort), webConfig: webConfig, responder: routes,
            limits: limits, logger: logger, stats: httpStats)
        try await server.bind()
        logger.info("starting", metadata: ["version": "\(build.version)", "revision": "\(build.revision)"])

        let watcher = FileWatchService(
            interval: watchInterval, files: watchedFiles, logger: logger,
            onWebConfigTick: {
                webConfig.reloadIfChanged(logger: logger).map { r in tracker.record(success: (try? r.get()) != nil) }
            },
            onChange: { _ = await reloadAll() })
        let hangup = SignalReloadService(reload: reloadAll)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: server), .init(service: watcher), .init(service: hangup),
                ] + services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        logger.info("stopped")
    }
}

/// Calls the reload hook on every SIGHUP.
struct SignalReloadService: Service {
    let reload: @Sendable () async -> Result<Void, any Error>

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await withGracefulShutdownHandler {
            for await _ in signals.cancelOnGracefulShutdown() {
                _ = await reload()
            }
        } onGracefulShutdown: {
        }
    }
}

/// Polls watched files (mtime, size, inode) and reloads when one changes. Polling survives
/// editors that replace files and Kubernetes ConfigMap symlink swaps, which inotify misses.
struct FileWatchService: Service {
    let interval: Duration
    let files: @Sendable () -> [String]
    let logger: Logger
    let onWebConfigTick: @Sendable () -> Void
    let onChange: @Sendable () async -> Void

    func run() async throws {
        var last = WebConfigStore.fingerprint(of: files())
        while !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            if Task.isShuttingDownGracefully { return }
            onWebConfigTick()
            let now = WebConfigStore.fingerprint(of: files())
            if now != last {
                last = now
                logger.info("config file changed")
                await onChange()
                last = WebConfigStore.fingerprint(of: files())
            }
        }
    }
}
