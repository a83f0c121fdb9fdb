import ArgumentParser
import ExporterKit
import Logging

/// Serves `/metrics`, the Burrow API and the status page (the default subcommand).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve metrics (default).")

    @OptionGroup var common: CommonOptions

    @Option(name: .customLong("config.file"), help: ArgumentHelp("YAML file listing the clusters.", valueName: "file"))
    var configFile: String

    func run() async throws {
        // Two malloc arenas instead of glibc's 8 per core: ingest allocates on a few threads in
        // bursts, and every extra arena keeps its own freed memory (peak RSS -7 % at 1M commits).
        MemoryTrim.limitArenas(2)
        let logger = ExporterRuntime.bootstrapLogging(common, label: "lag-exporter")
        let clusters: LagClusters
        do {
            clusters = try LagClusters(path: configFile, logger: logger)
        } catch {
            logger.error("invalid configuration", metadata: ["err": "\(error)"])
            throw ExitCode.failure
        }
        var runtime = ExporterRuntime(
            build: LagExporterCommand.build, namespace: "kafka_lag", options: common, defaultPort: 9573,
            logger: logger, collectors: [LagCollector(clusters: clusters)])
        let path = configFile
        runtime.isReady = { clusters.isReady }
        runtime.reloadConfig = { await clusters.reload() }
        runtime.watchedFiles = { [path] }
        runtime.landingExtras = { StatusPage.render(clusters.views().map(\.view)) }
        runtime.extraRoutes = [(prefix: "/v3/", responder: BurrowAPI(clusters: clusters))]
        runtime.services = [clusters]
        do {
            try await runtime.run()
        } catch {
            // Startup failed (e.g. the listen address): ingest started with the config and
            // its service never ran.
            logger.error("exiting", metadata: ["err": "\(error)"])
            await clusters.stopAll()
            throw ExitCode.failure
        }
    }
}
