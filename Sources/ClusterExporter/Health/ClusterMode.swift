import KafkaWire

/// How a cluster keeps its metadata, as one broker's ApiVersions answer tells it. The mode
/// decides what Metadata's controller id means: the active controller in ZooKeeper mode, a
/// random live broker in KRaft mode (the controllers are not brokers there).
enum ClusterMode: String, Sendable, Equatable {
    case kraft
    case zookeeper

    /// LeaderAndIsr: sent by the ZooKeeper-mode controller to brokers; only ZooKeeper-mode
    /// brokers list it (KRaft brokers never do, and Kafka 4.0 removed it).
    static let leaderAndIsrApiKey: Int16 = 4
    static let metadataVersionFeature = "metadata.version"

    /// - KRaft: `metadata.version` is finalized. A KRaft broker always reports it (Kafka 3.3+,
    ///   ApiVersions v3+ tagged fields); a ZooKeeper-mode broker never does, not even while it
    ///   is being migrated.
    /// - ZooKeeper: no `metadata.version`, and the broker lists LeaderAndIsr. This covers
    ///   ZooKeeper brokers of every version, also those too old for ApiVersions v3.
    /// - nil (unknown) otherwise: Kafka-compatible brokers that are neither (e.g. Tansu), and the
    ///   KRaft previews before 3.3, which had no `metadata.version`.
    static func detect(_ apiVersions: ApiVersionsResponse?) -> ClusterMode? {
        guard let apiVersions, apiVersions.errorCode == 0 else { return nil }
        // The finalized features are valid only with an epoch >= 0 (the spec's rule).
        if apiVersions.finalizedFeaturesEpoch >= 0,
            apiVersions.finalizedFeatures.contains(where: { $0.name == metadataVersionFeature })
        {
            return .kraft
        }
        if apiVersions.apiKeys.contains(where: { $0.apiKey == leaderAndIsrApiKey }) { return .zookeeper }
        return nil
    }
}
