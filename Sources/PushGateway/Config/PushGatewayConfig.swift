import ExporterKit

/// The optional `--config.file` of push-gateway: per-job TTLs overriding `--metric.ttl`.
///
/// ```yaml
/// job_ttls:
///   kafka-producer: 2m     # a producer's group goes 2 minutes after its last push
///   nightly-backup: 0s     # 0: kept until deleted, whatever --metric.ttl says
/// ```
struct PushGatewayConfig: Decodable, Sendable, Equatable {
    var jobTTLs: [String: ConfigDuration] = [:]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case jobTTLs = "job_ttls"
    }

    init(jobTTLs: [String: ConfigDuration] = [:]) {
        self.jobTTLs = jobTTLs
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        jobTTLs = try c.decodeIfPresent([String: ConfigDuration].self, forKey: .jobTTLs) ?? [:]
        for job in jobTTLs.keys where job.isEmpty {
            throw decoder.invalid(CodingKeys.jobTTLs, "a job name must not be empty")
        }
    }
}

/// The TTL rules in force: the default and the per-job overrides; swapped whole on reload.
struct TTLPolicy: Sendable, Equatable {
    var defaultTTL: Duration
    var perJob: [String: Duration]

    init(defaultTTL: Duration, config: PushGatewayConfig = PushGatewayConfig()) {
        self.defaultTTL = defaultTTL
        perJob = config.jobTTLs.mapValues(\.duration)
    }

    /// Seconds a group of `job` lives after its last push; nil: forever.
    func seconds(job: String) -> Double? {
        let d = perJob[job] ?? defaultTTL
        return d > .zero ? d.seconds : nil
    }

    var anyTTL: Bool { defaultTTL > .zero || perJob.values.contains { $0 > .zero } }

    /// How often to look for expired groups: a tenth of the shortest TTL, within 100 ms and 5 s.
    var checkInterval: Duration {
        let shortest = ([defaultTTL] + Array(perJob.values)).filter { $0 > .zero }.min() ?? .seconds(5)
        return min(max(shortest / 10, .milliseconds(100)), .seconds(5))
    }
}
