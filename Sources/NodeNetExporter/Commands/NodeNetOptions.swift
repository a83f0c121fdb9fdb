import ArgumentParser
import ExporterKit

/// nodenet-exporter's own flags, in node_exporter's `--collector.<name>` convention.
struct NodeNetOptions: ParsableArguments {
    @Option(name: .customLong("path.procfs"), help: "procfs mountpoint (mount the host's /proc here in a container).")
    var procfs: String = "/proc"

    @Flag(
        name: .customLong("collector.tcp"), inversion: .prefixedNo,
        help: "Connections per port/direction/state, queues, retransmits, peers, accept queues.")
    var tcp = true

    @Option(
        name: .customLong("collector.tcp.ports"),
        help: ArgumentHelp(
            "Ports that get their own port label (comma list, ranges allowed); others are 'other'.",
            valueName: "ports"))
    var ports: String = PortAllowlist.defaultSpec

    @Option(
        name: .customLong("collector.tcp.source"),
        help: ArgumentHelp(
            "Socket table source: netlink (sock_diag, with tcp_info), procfs (/proc/net/tcp{,6}), or auto (netlink, else procfs with one log line saying why).",
            valueName: "auto|netlink|procfs"))
    var tcpSource: TCPSourceMode = .auto

    @Option(
        name: .customLong("collector.tcp.states"),
        help: ArgumentHelp(
            "TCP states counted: all, or a comma list (established,close_wait,...). The netlink source asks the kernel for these only.",
            valueName: "states"))
    var tcpStates: String = "all"

    @Flag(
        name: .customLong("collector.tcp.info"), inversion: .prefixedNo,
        help:
            "With the netlink source: each socket's tcp_info (RTT histogram, retransmitted and lost segments, idle sockets, delivery rate)."
    )
    var tcpInfo = true

    @Option(
        name: .customLong("collector.tcp.idle-threshold"),
        help: "Seconds without received data after which an established socket counts in nodenet_tcp_idle_connections.")
    var idleThresholdSeconds: Int = 60

    @Flag(
        name: .customLong("collector.peers"), inversion: .prefixedNo,
        help: "Connections per peer group (CIDRs from --collector.peers.config) and busiest other peers.")
    var peers = false

    @Option(
        name: .customLong("collector.peers.config"),
        help: ArgumentHelp("YAML file mapping CIDRs to peer group names (reloaded on change).", valueName: "file"))
    var peersConfig: String?

    @Flag(
        name: .customLong("collector.processes"), inversion: .prefixedNo,
        help: "Connections per process (walks /proc/<pid>/fd of matching processes; needs CAP_SYS_PTRACE for others').")
    var processes = false

    @Option(
        name: .customLong("collector.processes.names"),
        help: ArgumentHelp(
            "Regex (full match) of process names to attribute sockets to; others are not walked. Java processes are named by main class: kafka, zookeeper, kafka-connect, schema-registry, else java.",
            valueName: "regex"))
    var processNames: String = ProcessNameFilter.defaultPattern

    @Option(
        name: .customLong("collector.processes.refresh-interval"),
        help: "Seconds the socket-to-process map is reused before /proc/<pid>/fd is walked again (0: every scrape).")
    var processRefreshSeconds: Int64 = 15

    func validateAll() throws {
        do {
            _ = try PortAllowlist(parsing: ports)
            if peersConfig != nil && !peers {
                throw ConfigError(keyPath: "--collector.peers.config", message: "given but --collector.peers is off")
            }
            if let peersConfig { _ = try ConfigLoader.load(PeerGroupsConfig.self, path: peersConfig) }
            _ = try ProcessNameFilter(pattern: processNames)
            do {
                _ = try TCPStateFilter(parsing: tcpStates)
            } catch {
                throw ConfigError(keyPath: "--collector.tcp.states", message: error.description)
            }
            if idleThresholdSeconds < 1 {
                throw ConfigError(keyPath: "--collector.tcp.idle-threshold", message: "must be >= 1")
            }
            if processRefreshSeconds < 0 {
                throw ConfigError(keyPath: "--collector.processes.refresh-interval", message: "must be >= 0")
            }
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
