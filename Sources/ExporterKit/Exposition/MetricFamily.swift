/// The kind of a metric family, as both exposition formats name it.
public enum MetricType: String, Sendable, Equatable {
    case counter
    case gauge
    case untyped
    /// Samples carry a `SampleSuffix` (`_bucket` with an `le` label, `_sum`, `_count`).
    case histogram
    /// Samples carry a `SampleSuffix` (none with a `quantile` label, `_sum`, `_count`).
    case summary
}

/// The series-name suffix of a histogram or summary sample; `.none` for every other type.
public enum SampleSuffix: UInt8, Sendable, Equatable {
    case none
    case bucket
    case sum
    case count

    public var text: String {
        switch self {
        case .none: ""
        case .bucket: "_bucket"
        case .sum: "_sum"
        case .count: "_count"
        }
    }
}

/// One label pair. Kept as an array of pairs (not a dictionary) so encoding needs no hashing;
/// the encoder sorts them.
public struct Label: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// One sample of a family. For counters `value` is the running total.
public struct Sample: Sendable, Equatable {
    public var labels: [Label]
    public var value: Double
    public var suffix: SampleSuffix

    public init(labels: [Label] = [], value: Double, suffix: SampleSuffix = .none) {
        self.labels = labels
        self.value = value
        self.suffix = suffix
    }

    public init(_ labels: [(String, String)], _ value: Double, suffix: SampleSuffix = .none) {
        self.labels = labels.map { Label($0.0, $0.1) }
        self.value = value
        self.suffix = suffix
    }
}

/// A metric family built fresh at scrape time. `name` is the base name: counters are
/// encoded with a `_total` suffix on their samples (the name must not already carry it).
public struct MetricFamily: Sendable, Equatable {
    public var name: String
    public var help: String
    public var type: MetricType
    /// OpenMetrics unit (e.g. "seconds", "bytes"); the name must end with `_<unit>`.
    public var unit: String?
    public var samples: [Sample]

    public init(name: String, help: String, type: MetricType, unit: String? = nil, samples: [Sample] = []) {
        self.name = name
        self.help = help
        self.type = type
        self.unit = unit
        self.samples = samples
    }

    /// A family of one unlabelled sample.
    public static func single(
        name: String, help: String, type: MetricType = .gauge, unit: String? = nil, value: Double
    ) -> MetricFamily {
        MetricFamily(name: name, help: help, type: type, unit: unit, samples: [Sample(value: value)])
    }

    public mutating func add(_ labels: [(String, String)], _ value: Double) {
        samples.append(Sample(labels, value))
    }

    /// Adds one histogram (cumulative `buckets`: upper bound and count, `+Inf` added here) or
    /// summary (`quantiles`: quantile and value) series with its `_sum` and `_count`.
    public mutating func addDistribution(
        _ labels: [(String, String)], buckets: [(Double, Double)] = [], quantiles: [(Double, Double)] = [],
        sum: Double, count: Double
    ) {
        for (le, n) in buckets {
            samples.append(Sample(labels + [("le", ExpositionEncoder.formatBound(le))], n, suffix: .bucket))
        }
        if type == .histogram { samples.append(Sample(labels + [("le", "+Inf")], count, suffix: .bucket)) }
        for (q, v) in quantiles {
            samples.append(Sample(labels + [("quantile", ExpositionEncoder.formatBound(q))], v))
        }
        samples.append(Sample(labels, sum, suffix: .sum))
        samples.append(Sample(labels, count, suffix: .count))
    }

    /// Adds a sample sharing `labels`' storage: a series set built once and used by several
    /// families costs one array, not one per sample (400k-series scrapes).
    public mutating func add(sharing labels: [Label], _ value: Double) {
        samples.append(Sample(labels: labels, value: value))
    }
}
