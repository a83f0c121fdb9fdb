import ExporterKit

/// The five metric types a pushed body can declare (text `# TYPE`, protobuf `MetricType`).
enum PushedType: String, Sendable, Equatable, Codable {
    case counter, gauge, untyped, summary, histogram

    /// The name the Pushgateway's JSON API and error messages use (protobuf enum spelling).
    var protoName: String { rawValue.uppercased() }
}

/// One pushed series' value: a plain number, or a summary / histogram with its parts.
/// Counts are whole numbers as in the Pushgateway (its data model holds them as uint64).
enum PushedValue: Sendable, Equatable, Codable {
    case simple(Double)
    case summary(count: Double, sum: Double, quantiles: [Bound])
    case histogram(count: Double, sum: Double, buckets: [Bound])

    /// A quantile and its value, or a bucket's upper bound and cumulative count.
    struct Bound: Sendable, Equatable, Codable {
        var at: Double
        var value: Double
    }

    /// Samples this value exposes (a histogram's `+Inf` bucket included).
    var sampleCount: Int {
        switch self {
        case .simple: 1
        case .summary(_, _, let q): q.count + 2
        case .histogram(_, _, let b): b.count + (b.contains { $0.at == .infinity } ? 2 : 3)
        }
    }
}

/// One series of a pushed family: labels sorted by name (grouping labels included once
/// stored), and its value.
struct PushedMetric: Sendable, Equatable, Codable {
    var labels: [Label]
    var value: PushedValue

    init(labels: [Label], value: PushedValue) {
        self.labels = labels
        self.value = value
    }
}

/// A metric family as pushed: `help` is nil when the body gave no HELP line (the
/// exposition then prints none, as the Pushgateway does).
struct PushedFamily: Sendable, Equatable, Codable {
    var name: String
    var help: String?
    var type: PushedType
    var metrics: [PushedMetric]
    /// Unix seconds of the push that stored this family (0 before it is stored).
    var pushedAt: Double = 0

    init(name: String, help: String? = nil, type: PushedType = .untyped, metrics: [PushedMetric] = []) {
        self.name = name
        self.help = help
        self.type = type
        self.metrics = metrics
    }

    var sampleCount: Int { metrics.reduce(0) { $0 + $1.value.sampleCount } }
}

extension Label: Codable {
    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        self.init(try c.decode(String.self), try c.decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(name)
        try c.encode(value)
    }
}
