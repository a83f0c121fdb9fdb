import ArgumentParser
import ExporterKit

/// `lag-exporter`: consumer-group lag for Prometheus, LinkedIn Burrow's replacement.
@main
struct LagExporterCommand: AsyncParsableCommand {
    static let build = BuildInfo(program: "lag-exporter")

    static let configuration = CommandConfiguration(
        commandName: "lag-exporter",
        abstract: "Prometheus exporter for Kafka consumer-group lag and Burrow-style group status.",
        discussion: """
            Reads __consumer_offsets (or polls ListGroups + OffsetFetch with source admin-api), keeps a
            window of commits per group/topic/partition and of log-end offsets, evaluates group status
            exactly as LinkedIn Burrow does (OK/WARN/ERR/STOP/STALL/REWIND) and exposes lag in messages
            and seconds, plus Burrow's read-only HTTP API under /v3/kafka.
            """,
        version: build.versionLine,
        subcommands: [Serve.self, CheckConfig.self, DecodeCommand.self],
        defaultSubcommand: Serve.self)
}
