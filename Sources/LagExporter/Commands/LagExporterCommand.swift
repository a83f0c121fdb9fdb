import ArgumentParser
import ExporterKit

/// `lag-exporter`: consumer-group lag for Prometheus (Burrow's replacement). This first slice
/// ships the `__consumer_offsets` record decoder and its `decode` debugging command; the
/// serving exporter is work in progress (see README).
@main
struct LagExporterCommand: ParsableCommand {
    static let build = BuildInfo(program: "lag-exporter")

    static let configuration = CommandConfiguration(
        commandName: "lag-exporter",
        abstract: "Consumer-group lag exporter (work in progress: only `decode` is available yet).",
        version: build.versionLine,
        subcommands: [DecodeCommand.self])
}
