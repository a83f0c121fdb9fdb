import ArgumentParser
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `--collector.tcp.source`: where the socket table comes from.
public enum TCPSourceMode: String, Sendable, CaseIterable, ExpressibleByArgument {
    /// Netlink, falling back to /proc (one log line says why).
    case auto
    case netlink
    case procfs
}

/// Picks the socket-table reader for a mode: opens and probes the netlink socket, or says why not.
enum TCPSourceResolver {
    /// `procfs` other than /proc means "the host's": netlink then uses `<procfs>/1/ns/net`.
    static func resolve(mode: TCPSourceMode, procfs: String, logger: Logger) throws -> TCPTableSource.Backend {
        if mode == .procfs { return .procfs }
        var root = procfs
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        do {
            let socket = try NetNamespace.openSockDiag(procfs: root == "/proc" ? nil : root)
            // A cheap dump (listeners only) proves the kernel answers: some sandboxes refuse
            // sock_diag or lack the inet_diag module.
            var stats = SockDiagStats()
            try socket.dump(family: AF_INET, states: 1 << UInt32(TCPState.listen.rawValue), info: false, stats: &stats)
            {
                _, _ in
            }
            return .netlink(socket)
        } catch {
            if mode == .netlink { throw NetNamespace.Failure(description: "netlink source: \(error)") }
            logger.warning(
                "netlink source unavailable, reading \(procfs)/net/tcp{,6} instead",
                metadata: ["reason": "\(error)"])
            return .procfs
        }
    }
}
