/// The kind of a metric family, as both exposition formats name it.
public enum MetricType: String, Sendable, Equatable {
    case counter
    case gauge
    case untyped
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

    public init(labels: [Label] = [], value: Double) {
        self.labels = labels
        self.value = value
    }

    public init(_ labels: [(String, String)], _ value: Double) {
        self.labels = labels.map { Label($0.0, $0.1) }
        self.value = value
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

    /// Adds a sample sharing `labels`' storage: a series set built once and used by several
    /// families costs one array, not one per sample (400k-series scrapes).
    public mutating func add(sharing labels: [Label], _ value: Double) {
        samples.append(Sample(labels: labels, value: value))
    }
}
