import ArgumentParser
import ExporterKit
import Logging

/// Serves `/metrics` (the default subcommand).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve metrics (default).")

    @OptionGroup var common: CommonOptions

    @Option(name: .customLong("config.file"), help: ArgumentHelp("YAML file listing the clusters.", valueName: "file"))
    var configFile: String

    func run() async throws {
        let logger = ExporterRuntime.bootstrapLogging(common, label: "cluster-exporter")
        let clusters: ClusterSet
        do {
            clusters = try ClusterSet(path: configFile, logger: logger)
        } catch {
            logger.error("invalid configuration", metadata: ["err": "\(error)"])
            throw ExitCode.failure
        }
        var runtime = ExporterRuntime(
            build: ClusterExporterCommand.build, namespace: "kafka_cluster", options: common, defaultPort: 9575,
            logger: logger, collectors: [ClusterCollector(clusters: clusters)])
        let path = configFile
        runtime.reloadConfig = { await clusters.reload() }
        runtime.watchedFiles = { [path] }
        do {
            try await runtime.run()
        } catch {
            logger.error("exiting", metadata: ["err": "\(error)"])
            await clusters.closeAll()
            throw ExitCode.failure
        }
        await clusters.closeAll()
    }
}
