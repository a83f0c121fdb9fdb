import ExporterBase

/// A configured Kafka cluster: the exporters' `clusters:` entries are told apart by name.
public protocol NamedCluster {
    var name: String { get }
}

extension KeyedDecodingContainer {
    /// The `clusters:` list of an exporter's config: required, at least one, names unique
    /// (the `cluster` label of every series).
    public func decodeClusters<C: Decodable & NamedCluster>(_ type: C.Type, forKey key: Key, in decoder: any Decoder)
        throws -> [C]
    {
        let clusters = try decode([C].self, forKey: key)
        if clusters.isEmpty { throw decoder.invalid(key, "at least one cluster is required") }
        var seen: Set<String> = []
        for (i, cluster) in clusters.enumerated() where !seen.insert(cluster.name).inserted {
            throw decoder.invalid(
                AnyCodingKey(stringValue: "\(key.stringValue)[\(i)].name"), "duplicate cluster name \"\(cluster.name)\""
            )
        }
        return clusters
    }
}
