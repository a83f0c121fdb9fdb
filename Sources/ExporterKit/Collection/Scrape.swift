import Logging
import NIOCore

/// The validated result of one run of the collectors, ready to be written.
///
/// Families held as samples were validated when the scrape was built (one bad family fails its
/// collector, not the scrape). Streamed families are validated while they are written: one that
/// turns out invalid is left out of the answer and fails its collector. Because that is known
/// only once the families are written, the runner's own families
/// (`<ns>_scrape_collector_duration_seconds`, `<ns>_scrape_collector_success`) close the answer
/// instead of taking their place in name order.
public struct Scrape: Sendable {
    enum Entry: Sendable {
        case held(MetricFamily)
        case streamed(StreamedFamily, collector: Int)

        var name: String {
            switch self {
            case .held(let f): f.name
            case .streamed(let f, _): f.name
            }
        }
    }

    struct CollectorResult: Sendable {
        var name: String
        var duration: Duration
        var error: String?
    }

    let namespace: String
    let logger: Logger
    var collectors: [CollectorResult] = []
    /// In the order they are written: by name, byte-wise.
    var entries: [Entry] = []

    init(namespace: String, outcomes: [ScrapeRunner.Outcome], logger: Logger) {
        self.namespace = namespace
        self.logger = logger
        // Series names in use; the runner's own families are reserved.
        var seen: Set<String> = [
            "\(namespace)_scrape_collector_duration_seconds", "\(namespace)_scrape_collector_success",
        ]
        for outcome in outcomes {
            var result = CollectorResult(name: outcome.name, duration: outcome.duration, error: outcome.error)
            if result.error == nil {
                // Validate before merging: one bad family fails its collector, not the scrape.
                do {
                    var mine: [Entry] = []
                    var names = Set<String>()
                    func claim(_ name: String, _ type: MetricType) throws(ExpositionError) {
                        for n in ExpositionValidator.seriesNames(name: name, type: type)
                        where seen.contains(n) || !names.insert(n).inserted {
                            throw .duplicateFamily(n)
                        }
                    }
                    for f in outcome.output.families {
                        let n = try ExpositionValidator.normalized(f)
                        try claim(n.name, n.type)
                        mine.append(.held(n))
                    }
                    for f in outcome.output.streamed {
                        try claim(f.name, f.type)
                        mine.append(.streamed(try f.validated(), collector: collectors.count))
                    }
                    seen.formUnion(names)
                    entries.append(contentsOf: mine)
                } catch {
                    result.error = "invalid output: \(error)"
                }
            }
            if let error = result.error {
                logger.warning("collector failed", metadata: ["collector": "\(outcome.name)", "err": "\(error)"])
            }
            collectors.append(result)
        }
        entries.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// Writes the answer family by family into `out`. With `flush`, each finished family is
    /// handed over (and `out` cleared), so only the largest family is ever held uncompressed
    /// beside what `flush` keeps; without it `out` collects the whole answer.
    public mutating func encode(
        format: ExpositionFormat, into out: inout ByteBuffer, flush: ((inout ByteBuffer) -> Void)? = nil
    ) {
        func finish(_ out: inout ByteBuffer) {
            guard let flush else { return }
            flush(&out)
            out.clear()
        }
        for entry in entries {
            let start = out.writerIndex
            switch entry {
            case .held(let family):
                ExpositionEncoder.write(family, format: format, into: &out)
            case .streamed(let family, let collector):
                ExpositionEncoder.writeHeader(
                    name: family.name, help: family.help, type: family.type, unit: family.unit, format: format,
                    into: &out)
                var writer = SeriesWriter(family: family.name, type: family.type, into: out)
                // The writer now holds the only reference: its appends do not copy.
                out = ByteBuffer()
                var failed = false
                do {
                    try family.write(&writer)
                } catch {
                    fail(collector, "invalid output: \(error)")
                    failed = true
                }
                out = writer.out
                // Nothing of a failed family stays; a streamed family without series is left out
                // (FamilyBuilder drops empty ones too).
                if failed || writer.count == 0 {
                    out.moveWriterIndex(to: start)
                    continue
                }
            }
            finish(&out)
        }
        for family in ownFamilies() {
            ExpositionEncoder.write(family, format: format, into: &out)
            finish(&out)
        }
        if format == .openMetrics100 {
            out.writeString("# EOF\n")
            finish(&out)
        }
    }

    /// The answer's body, gzip-compressed as it is written when `gzip` (then a 35 MB scrape never
    /// exists uncompressed beside its gzip); `gzipped` is false if zlib failed and the body is plain.
    public mutating func body(format: ExpositionFormat, gzip: Bool) -> (body: ByteBuffer, gzipped: Bool) {
        if gzip, let stream = GzipStream() {
            var attempt = self
            var staging = ByteBuffer()
            attempt.encode(format: format, into: &staging) { stream.write(&$0) }
            if let body = stream.finish() {
                self = attempt
                return (body, true)
            }
            logger.warning("gzip failed; answering uncompressed")
        }
        var body = ByteBuffer()
        encode(format: format, into: &body)
        return (body, false)
    }

    /// Every family as samples, the runner's own last.
    public mutating func materialized() -> [MetricFamily] {
        var families: [MetricFamily] = []
        for entry in entries {
            switch entry {
            case .held(let family):
                families.append(family)
            case .streamed(let family, let collector):
                do {
                    let f = try family.materialized()
                    if !f.samples.isEmpty { families.append(f) }
                } catch {
                    fail(collector, "invalid output: \(error)")
                }
            }
        }
        return families + ownFamilies()
    }

    private mutating func fail(_ collector: Int, _ error: String) {
        logger.warning("collector failed", metadata: ["collector": "\(collectors[collector].name)", "err": "\(error)"])
        if collectors[collector].error == nil { collectors[collector].error = error }
    }

    /// `<ns>_scrape_collector_duration_seconds` and `<ns>_scrape_collector_success`.
    func ownFamilies() -> [MetricFamily] {
        var durations = MetricFamily(
            name: "\(namespace)_scrape_collector_duration_seconds",
            help: "Duration of a collector's part of this scrape.", type: .gauge, unit: "seconds")
        var success = MetricFamily(
            name: "\(namespace)_scrape_collector_success",
            help: "Whether a collector succeeded in this scrape (1) or failed or timed out (0).", type: .gauge)
        for c in collectors.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) {
            durations.add([("collector", c.name)], c.duration.seconds)
            success.add([("collector", c.name)], c.error == nil ? 1 : 0)
        }
        return [durations, success]
    }
}
