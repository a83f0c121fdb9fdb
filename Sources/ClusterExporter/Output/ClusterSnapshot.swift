/// Everything one scrape learned about one cluster; turned into metrics by `ClusterMetrics`.
struct ClusterSnapshot: Sendable, Equatable {
    struct Request: Sendable, Equatable {
        /// Broker id, or nil for requests to any broker (Metadata, DescribeConfigs).
        var broker: String?
        var api: String
        var success: Bool
        var seconds: Double
    }

    var cluster: String
    var up: Bool
    var seconds: Double = 0
    var health: ClusterHealth?
    var logDirs: [LogDirReport] = []
    var requests: [Request] = []
    /// Distinct `topic` label values allowed per metric (the rest becomes "other").
    var maxTopics = 1000

    init(cluster: String, up: Bool) {
        self.cluster = cluster
        self.up = up
    }
}
