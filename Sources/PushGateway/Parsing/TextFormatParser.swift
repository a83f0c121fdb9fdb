import ExporterKit

/// Parses a text-format (0.0.4) push body into families by name, following the Pushgateway's
/// parser (Prometheus' `expfmt.TextParser`) where clients can tell the difference:
/// - `# HELP` / `# TYPE` name a family; a second HELP or TYPE for it, or a TYPE after its
///   samples, is an error; other comments are ignored; the type word is case-insensitive.
/// - Samples `<name>_sum`, `_count` (and `_bucket` for histograms) belong to a summary or
///   histogram declared as `<name>`; `quantile` / `le` label values must be numbers and are
///   not labels of the series; series of one summary / histogram are joined by their labels.
/// - Counts of summaries and histograms are truncated to whole numbers (the Pushgateway
///   stores them as uint64).
/// - Timestamps are parsed and reported, so the caller can refuse them.
struct TextFormatParser {
    struct Failure: Error, Equatable, CustomStringConvertible {
        let line: Int
        let message: String
        var description: String { "text format parsing error in line \(line): \(message)" }
    }

    struct Result: Sendable {
        var families: [String: PushedFamily]
        var hasTimestamps: Bool
    }

    private var families: [String: PushedFamily] = [:]
    /// Families that received a HELP or TYPE line, to refuse a second one.
    private var helpSeen: Set<String> = []
    private var typeSeen: Set<String> = []
    /// Summary/histogram series by family and label set, as indexes into `metrics`.
    private var distributions: [String: [[Label]: Int]] = [:]
    private var hasTimestamps = false

    static func parse(_ body: [UInt8]) throws(Failure) -> Result {
        var p = TextFormatParser()
        try p.run(body)
        return Result(families: p.families, hasTimestamps: p.hasTimestamps)
    }

    private mutating func run(_ body: [UInt8]) throws(Failure) {
        var lineNo = 0
        var start = 0
        while start < body.count {
            lineNo += 1
            var end = start
            while end < body.count && body[end] != 0x0A { end += 1 }
            try line(body[start..<end], lineNo)
            start = end + 1
        }
    }

    private mutating func line(_ raw: ArraySlice<UInt8>, _ n: Int) throws(Failure) {
        var c = Cursor(bytes: raw)
        c.skipBlanks()
        guard let first = c.peek else { return }
        if first == UInt8(ascii: "#") {
            c.advance()
            try comment(&c, n)
        } else {
            try sample(&c, n)
        }
    }

    private mutating func comment(_ c: inout Cursor, _ n: Int) throws(Failure) {
        c.skipBlanks()
        let keyword = c.token()
        guard keyword == "HELP" || keyword == "TYPE" else { return }
        c.skipBlanks()
        let name = c.token()
        guard ExpositionValidator.isValidMetricName(name) else {
            throw Failure(line: n, message: "invalid metric name in comment")
        }
        c.skipBlanks()
        // `# HELP name` or `# TYPE name` with nothing after is a plain comment, as in expfmt.
        guard !c.atEnd else { return }
        if keyword == "HELP" {
            let text = try c.escapedRest(line: n)
            try setHelp(name, text, n)
        } else {
            let word = c.token()
            guard let type = PushedType(rawValue: word.lowercased()) else {
                throw Failure(line: n, message: "unknown metric type \"\(word)\"")
            }
            let key = resolve(name).key
            if typeSeen.contains(key) || !(families[key]?.metrics.isEmpty ?? true) {
                throw Failure(
                    line: n, message: "second TYPE line for metric name \"\(name)\", or TYPE reported after samples")
            }
            typeSeen.insert(key)
            families[key, default: PushedFamily(name: key)].type = type
        }
    }

    private mutating func setHelp(_ name: String, _ text: String, _ n: Int) throws(Failure) {
        let key = resolve(name).key
        if helpSeen.contains(key) {
            throw Failure(line: n, message: "second HELP line for metric name \"\(name)\"")
        }
        helpSeen.insert(key)
        families[key, default: PushedFamily(name: key)].help = text
    }

    /// Which family a name belongs to: itself, or the summary/histogram it is a part of.
    private func resolve(_ name: String) -> (key: String, part: Part) {
        if families[name] != nil { return (name, .plain) }
        for (suffix, part) in [("_sum", Part.sum), ("_count", .count), ("_bucket", .bucket)]
        where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if let f = families[base], f.type == .histogram || (f.type == .summary && part != .bucket) {
                return (base, part)
            }
        }
        return (name, .plain)
    }

    private mutating func sample(_ c: inout Cursor, _ n: Int) throws(Failure) {
        let name = c.token(stopAtBrace: true)
        guard ExpositionValidator.isValidMetricName(name) else {
            throw Failure(line: n, message: "invalid metric name \"\(name)\"")
        }
        let (key, part) = resolve(name)
        let type = families[key]?.type ?? .untyped
        c.skipBlanks()
        var labels: [Label] = []
        var special: Double?
        let specialName = type == .summary ? "quantile" : type == .histogram ? "le" : nil
        if c.peek == UInt8(ascii: "{") {
            c.advance()
            while true {
                c.skipBlanks()
                if c.peek == UInt8(ascii: "}") {
                    c.advance()
                    break
                }
                let lname = c.labelName()
                guard ExpositionValidator.isLabelNameSyntax(lname) else {
                    throw Failure(line: n, message: "invalid label name for metric \"\(name)\"")
                }
                if lname == "__name__" {
                    throw Failure(line: n, message: "label name \"__name__\" is reserved")
                }
                c.skipBlanks()
                guard c.peek == UInt8(ascii: "=") else {
                    throw Failure(line: n, message: "expected '=' after label name, found \(c.describePeek)")
                }
                c.advance()
                c.skipBlanks()
                guard c.peek == UInt8(ascii: "\"") else {
                    throw Failure(line: n, message: "expected '\"' at start of label value, found \(c.describePeek)")
                }
                c.advance()
                let value = try c.quoted(line: n)
                if lname == specialName {
                    guard let v = GoFloat.parse(value) else {
                        throw Failure(
                            line: n, message: "expected float as value for '\(lname)' label, got \"\(value)\"")
                    }
                    special = v
                } else {
                    if labels.contains(where: { $0.name == lname }) {
                        throw Failure(line: n, message: "duplicate label names for metric \"\(name)\"")
                    }
                    labels.append(Label(lname, value))
                }
                c.skipBlanks()
                if c.peek == UInt8(ascii: ",") {
                    c.advance()
                } else if c.peek == UInt8(ascii: "}") {
                    c.advance()
                    break
                } else {
                    throw Failure(line: n, message: "unexpected end of label value \"\(value)\"")
                }
            }
            c.skipBlanks()
        }
        let valueText = c.token()
        guard !valueText.isEmpty, let value = GoFloat.parse(valueText) else {
            throw Failure(line: n, message: "expected float as value, got \"\(valueText)\"")
        }
        c.skipBlanks()
        if !c.atEnd {
            let ts = c.token()
            guard Int64(ts) != nil else {
                throw Failure(line: n, message: "expected integer as timestamp, got \"\(ts)\"")
            }
            hasTimestamps = true
            c.skipBlanks()
            guard c.atEnd else { throw Failure(line: n, message: "spurious string after timestamp") }
        }
        labels.sort { $0.name < $1.name }
        var family = families[key] ?? PushedFamily(name: key)
        switch type {
        case .summary, .histogram:
            let index: Int
            if let i = distributions[key]?[labels] {
                index = i
            } else {
                index = family.metrics.count
                family.metrics.append(
                    PushedMetric(
                        labels: labels,
                        value: type == .summary
                            ? .summary(count: 0, sum: 0, quantiles: []) : .histogram(count: 0, sum: 0, buckets: [])))
                distributions[key, default: [:]][labels] = index
            }
            family.metrics[index].value.record(part: part, special: special, value: value)
        default:
            family.metrics.append(PushedMetric(labels: labels, value: .simple(value)))
        }
        families[key] = family
    }
}

extension PushedValue {
    fileprivate mutating func record(part: Part, special: Double?, value v: Double) {
        switch self {
        case .summary(var count, var sum, var quantiles):
            switch part {
            case .count: count = GoFloat.truncatedCount(v)
            case .sum: sum = v
            default: if let q = special { quantiles.append(Bound(at: q, value: v)) }
            }
            self = .summary(count: count, sum: sum, quantiles: quantiles)
        case .histogram(var count, var sum, var buckets):
            switch part {
            case .count: count = GoFloat.truncatedCount(v)
            case .sum: sum = v
            case .bucket: if let le = special { buckets.append(Bound(at: le, value: GoFloat.truncatedCount(v))) }
            default: break
            }
            self = .histogram(count: count, sum: sum, buckets: buckets)
        case .simple: break
        }
    }
}

/// Which part of a summary / histogram a sample line is.
private enum Part { case plain, sum, count, bucket }

/// A line being read.
private struct Cursor {
    let bytes: ArraySlice<UInt8>
    var i: Int

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        i = bytes.startIndex
    }

    var atEnd: Bool { i >= bytes.endIndex }
    var peek: UInt8? { atEnd ? nil : bytes[i] }
    var describePeek: String { peek.map { "\"\(Character(Unicode.Scalar($0)))\"" } ?? "end of line" }
    mutating func advance() { i += 1 }

    mutating func skipBlanks() {
        while let b = peek, b == 0x20 || b == 0x09 { i += 1 }
    }

    /// Up to the next blank (or `{` for a metric name).
    mutating func token(stopAtBrace: Bool = false) -> String {
        let s = i
        while let b = peek, b != 0x20, b != 0x09, !(stopAtBrace && b == UInt8(ascii: "{")) { i += 1 }
        return String(decoding: bytes[s..<i], as: UTF8.self)
    }

    /// The run of label-name bytes (letters, digits, `_`); the caller checks the name's syntax.
    mutating func labelName() -> String {
        let s = i
        while let b = peek,
            (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x5F
        {
            i += 1
        }
        return String(decoding: bytes[s..<i], as: UTF8.self)
    }

    /// A label value after its opening quote, through the closing one. Escapes: `\\`, `\"`, `\n`.
    mutating func quoted(line n: Int) throws(TextFormatParser.Failure) -> String {
        var out: [UInt8] = []
        while let b = peek {
            i += 1
            switch b {
            case UInt8(ascii: "\""):
                guard let s = String(validating: out, as: UTF8.self) else {
                    throw .init(line: n, message: "label value is not valid UTF-8")
                }
                return s
            case UInt8(ascii: "\\"):
                guard let e = peek else { break }
                i += 1
                switch e {
                case UInt8(ascii: "\\"): out.append(e)
                case UInt8(ascii: "\""): out.append(e)
                case UInt8(ascii: "n"): out.append(0x0A)
                default: throw .init(line: n, message: "invalid escape sequence '\\\(Character(Unicode.Scalar(e)))'")
                }
            default: out.append(b)
            }
        }
        throw .init(line: n, message: "unexpected end of line in label value")
    }

    /// The rest of the line (HELP text). Escapes: `\\`, `\n`.
    mutating func escapedRest(line n: Int) throws(TextFormatParser.Failure) -> String {
        var out: [UInt8] = []
        while let b = peek {
            i += 1
            if b == UInt8(ascii: "\\") {
                guard let e = peek else {
                    out.append(b)
                    break
                }
                i += 1
                switch e {
                case UInt8(ascii: "\\"): out.append(e)
                case UInt8(ascii: "n"): out.append(0x0A)
                default: throw .init(line: n, message: "invalid escape sequence '\\\(Character(Unicode.Scalar(e)))'")
                }
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
