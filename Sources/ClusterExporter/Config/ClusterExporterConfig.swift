import ExporterKit
import KafkaWire

/// The `--config.file` of cluster-exporter.
///
/// ```yaml
/// clusters:
///   - name: prod
///     bootstrap: [broker1:9092]          # KafkaConnectionConfig keys, inline
///     scrape_timeout: 10s
///     log_dirs: {topic_detail: false}
///     sidecar: {log_dirs: [/var/lib/kafka/data], server_properties: /etc/kafka/server.properties}
///     topics: {deny: "^__"}              # left out of health counts and per-topic series
/// ```
struct ClusterExporterConfig: Decodable, Sendable, Equatable {
    var clusters: [ClusterConfig]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case clusters
    }

    init(clusters: [ClusterConfig]) {
        self.clusters = clusters
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        clusters = try c.decodeClusters(ClusterConfig.self, forKey: .clusters, in: decoder)
    }
}

/// One cluster: a name, how to connect, and where its log-dir volumes come from.
struct ClusterConfig: Decodable, Sendable, Equatable, NamedCluster {
    var name: String
    var connection: KafkaConnectionConfig
    var scrapeTimeout: ConfigDuration
    var logDirs: LogDirsOptions
    var sidecar: SidecarConfig?
    /// Cap of distinct `topic` label values per metric; the rest is summed into "other".
    var maxTopics: Int
    /// Topics left out of the health counts and the per-topic series (volume totals keep them).
    var topics = NameFilter()

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name
        case scrapeTimeout = "scrape_timeout"
        case logDirs = "log_dirs"
        case sidecar
        case maxTopics = "max_topics"
        case topics
    }

    init(
        name: String, connection: KafkaConnectionConfig, scrapeTimeout: Duration = .seconds(10),
        logDirs: LogDirsOptions = LogDirsOptions(), sidecar: SidecarConfig? = nil
    ) {
        self.name = name
        self.connection = connection
        self.scrapeTimeout = ConfigDuration(scrapeTimeout)
        self.logDirs = logDirs
        self.sidecar = sidecar
        self.maxTopics = 1000
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self, plus: KafkaConnectionConfig.keyNames)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        if name.isEmpty { throw decoder.invalid(CodingKeys.name, "must not be empty") }
        connection = try KafkaConnectionConfig(embeddedIn: decoder)
        scrapeTimeout =
            try c.decodeIfPresent(ConfigDuration.self, forKey: .scrapeTimeout) ?? ConfigDuration(.seconds(10))
        if scrapeTimeout.duration <= .zero { throw decoder.invalid(CodingKeys.scrapeTimeout, "must be positive") }
        logDirs = try c.decodeIfPresent(LogDirsOptions.self, forKey: .logDirs) ?? LogDirsOptions()
        sidecar = try c.decodeIfPresent(SidecarConfig.self, forKey: .sidecar)
        maxTopics = try c.decodeIfPresent(Int.self, forKey: .maxTopics) ?? 1000
        if maxTopics < 0 { throw decoder.invalid(CodingKeys.maxTopics, "must be >= 0 (0: every topic is \"other\")") }
        topics = try c.decodeIfPresent(NameFilter.self, forKey: .topics) ?? NameFilter()
    }
}

/// Options of the remote (DescribeLogDirs) log-dir collection.
struct LogDirsOptions: Decodable, Sendable, Equatable {
    /// Ask for every partition's size (`Topics: null`) instead of the cheap dir-only answer.
    var topicDetail = false

    enum CodingKeys: String, CodingKey, CaseIterable {
        case topicDetail = "topic_detail"
    }

    init(topicDetail: Bool = false) {
        self.topicDetail = topicDetail
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        topicDetail = try c.decodeIfPresent(Bool.self, forKey: .topicDetail) ?? false
    }
}

/// Sidecar mode: the exporter runs beside one broker with its data volumes mounted and reads
/// them itself (statvfs + a walk of the partition directories) instead of DescribeLogDirs.
struct SidecarConfig: Decodable, Sendable, Equatable {
    var logDirs: [String]
    var serverProperties: String?
    /// The `broker` label; default: `node.id`/`broker.id` from server.properties, else "local".
    var brokerId: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case logDirs = "log_dirs"
        case serverProperties = "server_properties"
        case brokerId = "broker_id"
    }

    init(logDirs: [String] = [], serverProperties: String? = nil, brokerId: String? = nil) {
        self.logDirs = logDirs
        self.serverProperties = serverProperties
        self.brokerId = brokerId
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        logDirs = try c.decodeIfPresent([String].self, forKey: .logDirs) ?? []
        serverProperties = try c.decodeIfPresent(String.self, forKey: .serverProperties)
        if let id = try c.decodeIfPresent(Int.self, forKey: .brokerId) { brokerId = String(id) }
        if logDirs.isEmpty && serverProperties == nil {
            throw decoder.invalid(CodingKeys.logDirs, "give log_dirs or server_properties (or both)")
        }
        for (i, dir) in logDirs.enumerated() where !dir.hasPrefix("/") {
            throw decoder.invalid(AnyCodingKey(stringValue: "log_dirs[\(i)]"), "must be an absolute path")
        }
    }
}
