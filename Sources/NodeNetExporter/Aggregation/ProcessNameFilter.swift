import ExporterKit

/// Which processes to attribute sockets to, by name (full regex match).
public struct ProcessNameFilter: @unchecked Sendable {
    // Regex is immutable once built; it is not marked Sendable by the standard library.
    private let regex: Regex<AnyRegexOutput>
    public let pattern: String

    public static let defaultPattern = "kafka|zookeeper|kafka-connect|schema-registry"

    public init(pattern: String) throws(ConfigError) {
        do {
            regex = try Regex(pattern)
        } catch {
            throw ConfigError(keyPath: "--collector.processes.names", message: "invalid regex \"\(pattern)\": \(error)")
        }
        self.pattern = pattern
    }

    public func matches(_ name: String) -> Bool {
        (try? regex.wholeMatch(in: name)) != nil
    }

    /// Kafka, ZooKeeper and friends are all `java`: name them by their main class.
    public static func processName(comm: String, cmdline: [String]) -> String {
        guard comm == "java" else { return comm }
        let known: [(String, String)] = [
            ("kafka.Kafka", "kafka"),
            ("org.apache.zookeeper.server.quorum.QuorumPeerMain", "zookeeper"),
            ("org.apache.kafka.connect.cli.ConnectDistributed", "kafka-connect"),
            ("org.apache.kafka.connect.cli.ConnectStandalone", "kafka-connect"),
            ("io.confluent.kafka.schemaregistry.rest.SchemaRegistryMain", "schema-registry"),
            ("io.confluent.kafkarest.KafkaRestMain", "kafka-rest"),
            ("io.confluent.ksql.rest.server.KsqlServerMain", "ksqldb"),
        ]
        for arg in cmdline {
            for (mainClass, name) in known where arg == mainClass { return name }
        }
        return "java"
    }
}
