import ExporterKit
import KafkaWire

/// The `--config.file` of lag-exporter: many clusters, each with its KafkaWire connection
/// keys inline plus the source, evaluator and filter settings (Burrow's names and defaults).
///
/// ```yaml
/// clusters:
///   - name: ccs
///     bootstrap: [kafka-1:9092]
///     sasl: {mechanism: SCRAM-SHA-512, username: burrow, password_file: /run/secrets/kafka}
///     source: offsets-topic        # offsets-topic | admin-api | auto
///     evaluator: {intervals: 10, expire_group: 7d, allowed_lag: 0}
///     offset_refresh: 10s
///     topic_refresh: 60s
///     groups: {allow: "^app-", deny: "^console-consumer-"}
/// ```
struct LagExporterConfig: Decodable, Sendable, Equatable {
    var clusters: [LagClusterConfig]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case clusters
    }

    init(clusters: [LagClusterConfig]) {
        self.clusters = clusters
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        clusters = try c.decodeClusters(LagClusterConfig.self, forKey: .clusters, in: decoder)
    }
}

/// Where a cluster's committed offsets come from.
enum OffsetsSource: String, Decodable, Sendable, Equatable, CaseIterable {
    /// Read `__consumer_offsets` (needs READ/DESCRIBE on it): every commit, Burrow's way.
    case offsetsTopic = "offsets-topic"
    /// Poll ListGroups + OffsetFetch (managed Kafka that denies the internal topic).
    case adminAPI = "admin-api"
    /// offsets-topic when readable, else admin-api.
    case auto
}

/// Per-partition or per-topic series for the partition-level metrics.
enum Granularity: String, Decodable, Sendable, Equatable, CaseIterable {
    case partition
    case topic
}

struct LagClusterConfig: Decodable, Sendable, Equatable, NamedCluster {
    var name: String
    var connection: KafkaConnectionConfig
    var source: OffsetsSource = .offsetsTopic
    /// The offsets topic's name (only tests and mirrored setups change it).
    var offsetsTopic = "__consumer_offsets"
    var evaluator = EvaluatorConfig()
    var offsetRefresh = ConfigDuration(.seconds(10))
    var topicRefresh = ConfigDuration(.seconds(60))
    /// How often the admin-api source polls ListGroups/OffsetFetch.
    var pollInterval = ConfigDuration(.seconds(10))
    var groups = NameFilter()
    var topics = NameFilter()
    var granularity: Granularity = .partition
    var lagSeconds = LagSecondsConfig()
    /// Also export Burrow's six metric names (burrow_kafka_*).
    var burrowCompatMetrics = false

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, source, evaluator, groups, topics, granularity
        case offsetsTopic = "offsets_topic"
        case offsetRefresh = "offset_refresh"
        case topicRefresh = "topic_refresh"
        case pollInterval = "poll_interval"
        case lagSeconds = "lag_seconds"
        case burrowCompatMetrics = "burrow_compat_metrics"
    }

    init(name: String, connection: KafkaConnectionConfig) {
        self.name = name
        self.connection = connection
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self, plus: KafkaConnectionConfig.keyNames)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        if name.isEmpty { throw decoder.invalid(CodingKeys.name, "must not be empty") }
        connection = try KafkaConnectionConfig(embeddedIn: decoder)
        if let raw = try c.decodeIfPresent(String.self, forKey: .source) {
            guard let s = OffsetsSource(rawValue: raw) else {
                throw decoder.invalid(
                    CodingKeys.source,
                    "unknown value \"\(raw)\" (expected \(OffsetsSource.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            source = s
        }
        offsetsTopic = try c.decodeIfPresent(String.self, forKey: .offsetsTopic) ?? offsetsTopic
        if offsetsTopic.isEmpty { throw decoder.invalid(CodingKeys.offsetsTopic, "must not be empty") }
        evaluator = try c.decodeIfPresent(EvaluatorConfig.self, forKey: .evaluator) ?? evaluator
        for (key, path) in [
            (CodingKeys.offsetRefresh, \LagClusterConfig.offsetRefresh), (.topicRefresh, \.topicRefresh),
            (.pollInterval, \.pollInterval),
        ] {
            if let d = try c.decodeIfPresent(ConfigDuration.self, forKey: key) {
                if d.duration < .milliseconds(100) { throw decoder.invalid(key, "must be at least 100ms") }
                self[keyPath: path] = d
            }
        }
        groups = try c.decodeIfPresent(NameFilter.self, forKey: .groups) ?? groups
        topics = try c.decodeIfPresent(NameFilter.self, forKey: .topics) ?? topics
        if let raw = try c.decodeIfPresent(String.self, forKey: .granularity) {
            guard let g = Granularity(rawValue: raw) else {
                throw decoder.invalid(CodingKeys.granularity, "unknown value \"\(raw)\" (expected partition, topic)")
            }
            granularity = g
        }
        lagSeconds = try c.decodeIfPresent(LagSecondsConfig.self, forKey: .lagSeconds) ?? lagSeconds
        burrowCompatMetrics = try c.decodeIfPresent(Bool.self, forKey: .burrowCompatMetrics) ?? false
    }
}

/// Burrow's evaluator and storage settings (same meaning and defaults).
struct EvaluatorConfig: Decodable, Sendable, Equatable {
    var intervals = 10
    var minDistance = ConfigDuration(.zero)
    var expireGroup = ConfigDuration(.seconds(604_800))
    var allowedLag: Int64 = 0
    var minimumComplete = 0.0

    enum CodingKeys: String, CodingKey, CaseIterable {
        case intervals
        case minDistance = "min_distance"
        case expireGroup = "expire_group"
        case allowedLag = "allowed_lag"
        case minimumComplete = "minimum_complete"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        intervals = try c.decodeIfPresent(Int.self, forKey: .intervals) ?? intervals
        if !(1...1000).contains(intervals) { throw decoder.invalid(CodingKeys.intervals, "must be 1..1000") }
        minDistance = try c.decodeIfPresent(ConfigDuration.self, forKey: .minDistance) ?? minDistance
        expireGroup = try c.decodeIfPresent(ConfigDuration.self, forKey: .expireGroup) ?? expireGroup
        if expireGroup.duration <= .zero { throw decoder.invalid(CodingKeys.expireGroup, "must be positive") }
        allowedLag = try c.decodeIfPresent(Int64.self, forKey: .allowedLag) ?? 0
        if allowedLag < 0 { throw decoder.invalid(CodingKeys.allowedLag, "must be >= 0") }
        minimumComplete = try c.decodeIfPresent(Double.self, forKey: .minimumComplete) ?? 0
        if !(0...1).contains(minimumComplete) {
            throw decoder.invalid(CodingKeys.minimumComplete, "must be between 0 and 1")
        }
    }

    var settings: EvaluatorSettings {
        EvaluatorSettings(intervals: intervals, allowedLag: allowedLag, minimumComplete: minimumComplete)
    }
}

/// How lag in seconds is computed (see docs/lag-in-seconds.md).
struct LagSecondsConfig: Decodable, Sendable, Equatable {
    enum Mode: String, Sendable, CaseIterable {
        /// Interpolation over the log-end offset history only.
        case interpolate
        /// The timestamp of the record at the committed offset (one small Fetch per lagging
        /// partition, at most `exact_budget` per offset refresh), interpolation as fallback.
        case exact
    }

    var mode: Mode = .interpolate
    var exactBudget = 100
    /// Points of log-end history kept per partition for interpolation.
    var historyPoints = 60
    /// Extrapolating beyond the oldest point by more than this is refused (value left out).
    var maxExtrapolation = ConfigDuration(.seconds(3600))

    enum CodingKeys: String, CodingKey, CaseIterable {
        case mode
        case exactBudget = "exact_budget"
        case historyPoints = "history_points"
        case maxExtrapolation = "max_extrapolation"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let raw = try c.decodeIfPresent(String.self, forKey: .mode) {
            guard let m = Mode(rawValue: raw) else {
                throw decoder.invalid(CodingKeys.mode, "unknown value \"\(raw)\" (expected interpolate, exact)")
            }
            mode = m
        }
        exactBudget = try c.decodeIfPresent(Int.self, forKey: .exactBudget) ?? exactBudget
        if exactBudget < 0 { throw decoder.invalid(CodingKeys.exactBudget, "must be >= 0") }
        historyPoints = try c.decodeIfPresent(Int.self, forKey: .historyPoints) ?? historyPoints
        if !(2...10_000).contains(historyPoints) {
            throw decoder.invalid(CodingKeys.historyPoints, "must be 2..10000")
        }
        maxExtrapolation = try c.decodeIfPresent(ConfigDuration.self, forKey: .maxExtrapolation) ?? maxExtrapolation
    }
}
