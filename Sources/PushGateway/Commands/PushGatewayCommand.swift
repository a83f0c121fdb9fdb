import ArgumentParser
import ExporterKit

/// `push-gateway`: a Pushgateway-compatible receiver whose groups can expire.
@main
struct PushGatewayCommand: AsyncParsableCommand {
    static let build = BuildInfo(program: "push-gateway")

    static let configuration = CommandConfiguration(
        commandName: "push-gateway",
        abstract: "Receives pushed metrics like the Prometheus Pushgateway, with a TTL per group.",
        discussion: """
            Accepts PUT/POST/DELETE /metrics/job/<job>{/<label>/<value>} as the Pushgateway does and serves
            what was pushed on /metrics with push_time_seconds per group. A group not pushed within its TTL
            (--metric.ttl, per-job overrides in --config.file) is removed. Own metrics are prefixed pushgateway_.
            """,
        version: build.versionLine,
        subcommands: [Serve.self, CheckConfig.self],
        defaultSubcommand: Serve.self)
}
