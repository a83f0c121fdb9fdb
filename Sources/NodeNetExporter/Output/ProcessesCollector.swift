import ExporterKit
import NIOPosix

/// `--collector.processes`: connections per process of the allowlist, by state.
public struct ProcessesCollector: Collector {
    public let name = "processes"
    let source: TCPTableSource
    let map: ProcessSocketMap

    public func collect() async throws -> [MetricFamily] {
        async let scanResult = source.scan()
        let map = self.map
        let snapshot = try await NIOThreadPool.singleton.runIfActive { map.snapshot() }
        let scan = try await scanResult
        var counts: [String: [UInt8: Int]] = [:]
        for (inode, state) in scan.inodeStates {
            if let process = snapshot.inodeToProcess[inode] { counts[process, default: [:]][state, default: 0] += 1 }
        }
        var connections = MetricFamily(
            name: "nodenet_tcp_process_connections",
            help: "TCP sockets owned by processes matching --collector.processes.names, by process name and state.",
            type: .gauge)
        for (process, states) in counts {
            for (state, count) in states {
                connections.add([("process", process), ("state", TCPState.label(code: state))], Double(count))
            }
        }
        var processes = MetricFamily(
            name: "nodenet_processes_matched", help: "Running processes matching the name allowlist.", type: .gauge)
        for (process, count) in snapshot.processes { processes.add([("process", process)], Double(count)) }
        var errors = MetricFamily(
            name: "nodenet_process_fd_walk_errors",
            help: "Processes whose /proc/<pid>/fd could not be read, by reason (permission needs CAP_SYS_PTRACE).",
            type: .counter)
        let totals = map.errors
        for reason in ["permission", "vanished", "other"] {
            errors.add([("reason", reason)], Double(totals[reason] ?? 0))
        }
        var age = MetricFamily(
            name: "nodenet_process_map_age_seconds", help: "Age of the socket-to-process map used by this scrape.",
            type: .gauge, unit: "seconds")
        if let at = snapshot.walkedAt { age.add([], (ContinuousClock.now - at).seconds) }
        return [connections, processes, errors, age]
    }
}
