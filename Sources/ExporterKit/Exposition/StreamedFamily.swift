import NIOCore

/// A family whose series are written straight into the answer while it is encoded, instead of
/// being held as `Sample`s first. For collectors with hundreds of thousands of series
/// (lag-exporter at 60k partitions): the scrape then costs about its output, not a model of it.
///
/// `write` must emit series in the order the encoder would sort them (label names ascending
/// within a series, series by their label sets in byte order): the writer checks that order as
/// it goes, which also proves there is no duplicate without remembering any series. Histograms
/// and summaries are not streamed (their buckets have their own order).
public struct StreamedFamily: Sendable {
    public var name: String
    public var help: String
    public var type: MetricType
    public var unit: String?
    public let write: @Sendable (inout SeriesWriter) throws(ExpositionError) -> Void

    public init(
        name: String, help: String, type: MetricType, unit: String? = nil,
        write: @escaping @Sendable (inout SeriesWriter) throws(ExpositionError) -> Void
    ) {
        self.name = name
        self.help = help
        self.type = type
        self.unit = unit
        self.write = write
    }

    /// The family's metadata checks (what `ExpositionValidator.normalized` checks of a family
    /// before its samples).
    func validated() throws(ExpositionError) -> StreamedFamily {
        try ExpositionValidator.checkHeader(name: name, type: type, unit: unit)
        guard type != .histogram, type != .summary else {
            throw .invalidMetricName(name + " (histograms and summaries cannot be streamed)")
        }
        return self
    }

    /// The family as samples (tests, and the push-gateway's merge of its own metrics).
    public func materialized() throws(ExpositionError) -> MetricFamily {
        var writer = SeriesWriter(family: name, type: type, into: nil)
        try write(&writer)
        return MetricFamily(name: name, help: help, type: type, unit: unit, samples: writer.samples)
    }
}

/// Writes a streamed family's series as exposition lines, validating each one.
public struct SeriesWriter {
    let family: String
    /// The series name: a counter's samples carry `_total` in both formats.
    private let sampleName: String
    /// Lines go to `out`, or (materializing) samples to `samples`.
    private let materializing: Bool
    var out: ByteBuffer
    var samples: [Sample] = []
    private var previous: [Label]?
    /// Series written so far.
    public private(set) var count = 0

    init(family: String, type: MetricType, into out: ByteBuffer?) {
        self.family = family
        self.sampleName = type == .counter ? family + "_total" : family
        self.materializing = out == nil
        self.out = out ?? ByteBuffer()
    }

    /// One series. `labels` must be sorted by name and come after the previous series' labels.
    public mutating func sample(_ labels: [Label], _ value: Double) throws(ExpositionError) {
        try ExpositionValidator.checkSortedLabels(labels, family: family)
        if let previous, !ExpositionValidator.lessThan(previous, labels) {
            if ExpositionValidator.sameBytes(previous, labels) {
                throw .duplicateSeries(family: family, labels: ExpositionValidator.seriesText(labels))
            }
            throw .unsortedSeries(family: family, labels: ExpositionValidator.seriesText(labels))
        }
        previous = labels
        count += 1
        if materializing {
            samples.append(Sample(labels: labels, value: value))
        } else {
            ExpositionEncoder.writeSample(name: sampleName, suffix: .none, labels: labels, value: value, into: &out)
        }
    }
}
