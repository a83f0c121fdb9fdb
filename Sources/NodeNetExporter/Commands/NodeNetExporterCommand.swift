import ArgumentParser
import ExporterKit
import Logging

/// `nodenet-exporter`: TCP connection detail from /proc for Prometheus, beside node_exporter.
@main
struct NodeNetExporterCommand: AsyncParsableCommand {
    static let build = BuildInfo(program: "nodenet-exporter")

    static let configuration = CommandConfiguration(
        commandName: "nodenet-exporter",
        abstract: "Prometheus exporter for detailed TCP connection data read from /proc/net/tcp{,6}.",
        discussion: """
            Extends node_exporter with connection counts per service port, direction and state, queue
            sizes, retransmitting and zero-window sockets, listen accept queues, and optionally per peer
            group and per process counts. Metrics are prefixed nodenet_.
            """,
        version: build.versionLine)

    @OptionGroup var common: CommonOptions
    @OptionGroup var options: NodeNetOptions

    func validate() throws {
        try options.validateAll()
    }

    func run() async throws {
        let logger = ExporterRuntime.bootstrapLogging(common, label: "nodenet-exporter")
        let setup: NodeNetSetup
        do {
            setup = try NodeNetSetup(options: options, logger: logger)
        } catch {
            logger.error("invalid configuration", metadata: ["err": "\(error)"])
            throw ExitCode.failure
        }
        var runtime = ExporterRuntime(
            build: Self.build, namespace: "nodenet", options: common, defaultPort: 9574, logger: logger,
            collectors: setup.collectors)
        runtime.reloadConfig = { setup.reload() }
        runtime.watchedFiles = { setup.watchedFiles }
        do {
            try await runtime.run()
        } catch {
            logger.error("exiting", metadata: ["err": "\(error)"])
            throw ExitCode.failure
        }
    }
}
