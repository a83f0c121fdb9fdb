/// Which way a connection goes, seen from this host.
public enum Direction: Int, Sendable, CaseIterable {
    /// Local port is one this host listens on: a client connected to us.
    case inbound = 0
    /// We connected to a remote service.
    case outbound = 1
    /// Both ends on this host (loopback or one of our own addresses).
    case loopback = 2

    public var label: String {
        switch self {
        case .inbound: return "inbound"
        case .outbound: return "outbound"
        case .loopback: return "loopback"
        }
    }
}

/// Classifies sockets given the set of locally listened ports.
public struct ConnectionClassifier: Sendable {
    private var listening = PortSet()

    public init() {}

    /// Listeners of both files must be known before classifying: a JVM listens on a
    /// dual-stack tcp6 socket while its IPv4 clients' rows are in tcp.
    public mutating func addListener(port: UInt16) {
        listening.insert(port)
    }

    @inline(__always)
    public func isListening(_ port: UInt16) -> Bool {
        listening.contains(port)
    }

    /// Direction and the service port the connection is about: the local port for inbound
    /// (and for loopback server ends), the remote port otherwise. So both ends of a loopback
    /// connection to 9092 carry port 9092.
    @inline(__always)
    public func classify(_ row: TCPSocketRow) -> (Direction, UInt16) {
        if row.state == TCPState.listen.rawValue { return (.inbound, row.localPort) }
        let local = row.remoteAddress.isLoopback || row.remoteAddress == row.localAddress
        if isListening(row.localPort) {
            return (local ? .loopback : .inbound, row.localPort)
        }
        return (local ? .loopback : .outbound, row.remotePort)
    }
}
