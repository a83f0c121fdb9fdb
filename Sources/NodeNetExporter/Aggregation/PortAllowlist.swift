import ExporterKit

/// The ports that get their own `port` label; everything else is `other`. Ports are the
/// only open-ended label of the TCP metrics, so this bounds their cardinality.
public struct PortAllowlist: Sendable, Equatable {
    private var set: PortSet

    /// Kafka (9092-9094 incl. SSL/SASL and KRaft controller listeners), ZooKeeper (2181 client,
    /// 2182 TLS, 2888 quorum, 3888 election), Kafka Connect (8083), Schema Registry (8081),
    /// ksqlDB (8088), REST Proxy (8082), JMX (9999, 1099) and JMX exporter agents (7071, 9404, 5556).
    public static let defaultSpec = "1099,2181,2182,2888,3888,5556,7071,8081,8082,8083,8088,9092,9093,9094,9404,9999"

    public init(ports: [UInt16]) {
        set = PortSet(ports)
    }

    /// Parses `9092,2181,8000-8010`.
    public init(parsing spec: String) throws(ConfigError) {
        var ports: [UInt16] = []
        for part in spec.split(separator: ",") {
            let item = part.trimmingSpaces()
            if item.isEmpty { continue }
            let bounds = item.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { UInt16($0) }
            guard let lo = bounds.first ?? nil, let hi = bounds.last ?? nil, lo > 0, lo <= hi else {
                throw ConfigError(
                    keyPath: "--collector.tcp.ports",
                    message: "invalid port or range \"\(item)\" (expected e.g. 9092,2181,8000-8010)")
            }
            guard Int(hi) - Int(lo) < 4096 else {
                throw ConfigError(
                    keyPath: "--collector.tcp.ports", message: "range \"\(item)\" is too wide (at most 4096 ports)")
            }
            ports.append(contentsOf: lo...hi)
        }
        self.init(ports: ports)
    }

    @inline(__always)
    public func contains(_ port: UInt16) -> Bool { set.contains(port) }

    public var ports: [UInt16] {
        (0...UInt16.max).filter { contains($0) }
    }
}
