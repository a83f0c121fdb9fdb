import ArgumentParser
import ExporterKit
import Logging

/// `cluster-exporter`: log-dir volume totals and partition health of Kafka clusters.
@main
struct ClusterExporterCommand: AsyncParsableCommand {
    static let build = BuildInfo(program: "cluster-exporter")

    static let configuration = CommandConfiguration(
        commandName: "cluster-exporter",
        abstract: "Prometheus exporter for Kafka log-dir volume totals and cluster health seen from a client.",
        discussion: """
            Asks every broker DescribeLogDirs (total, usable and used bytes per log dir; per-broker and
            cluster totals counting each filesystem once) or, in sidecar mode, reads the log dirs itself;
            reports partition health from Metadata and DescribeConfigs. Metrics are prefixed kafka_cluster_.
            """,
        version: build.versionLine,
        subcommands: [Serve.self, CheckConfig.self],
        defaultSubcommand: Serve.self)
}
