import ExporterKit
import Logging

/// The collectors built from the flags, and the reload of the peers config.
struct NodeNetSetup: Sendable {
    let collectors: [any Collector]
    let peers: PeerGroupsStore?
    let logger: Logger

    init(options: NodeNetOptions, logger: Logger) throws {
        self.logger = logger
        let allowlist = try PortAllowlist(parsing: options.ports)
        let backend = try TCPSourceResolver.resolve(mode: options.tcpSource, procfs: options.procfs, logger: logger)
        logger.info("socket table source", metadata: ["source": "\(backend.name)"])
        let source = TCPTableSource(
            procfs: options.procfs,
            options: TCPScanOptions(
                allowlist: allowlist, peers: options.peers, inodes: options.processes, info: options.tcpInfo,
                idleThresholdSeconds: options.idleThresholdSeconds,
                states: try TCPStateFilter(parsing: options.tcpStates)),
            backend: backend)
        var collectors: [any Collector] = []
        if options.tcp { collectors.append(TCPCollector(source: source)) }
        if options.peers {
            let store = try PeerGroupsStore(path: options.peersConfig)
            peers = store
            collectors.append(PeersCollector(source: source, config: store))
        } else {
            peers = nil
        }
        if options.processes {
            let filter = try ProcessNameFilter(pattern: options.processNames)
            let map = ProcessSocketMap(
                procfs: options.procfs, filter: filter, maxAge: .seconds(options.processRefreshSeconds))
            collectors.append(ProcessesCollector(source: source, map: map))
        }
        self.collectors = collectors
    }

    var watchedFiles: [String] { peers?.path.map { [$0] } ?? [] }

    func reload() -> Result<Void, any Error> {
        do {
            try peers?.reload()
            return .success(())
        } catch {
            return .failure(error)
        }
    }
}
