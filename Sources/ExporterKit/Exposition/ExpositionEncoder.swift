import NIOCore

/// Encodes metric families in the Prometheus text format 0.0.4 or OpenMetrics 1.0.
///
/// Output is deterministic: families sorted by name, series by their sorted label sets, label
/// names sorted within a series. Invalid names and duplicate series are rejected instead of
/// producing output Prometheus would refuse (one bad series fails a whole scrape there).
public enum ExpositionEncoder {
    public static func encode(_ families: [MetricFamily], format: ExpositionFormat) throws(ExpositionError) -> [UInt8] {
        var out: [UInt8] = []
        try encode(families, format: format, into: &out)
        return out
    }

    /// Encodes straight into a NIO buffer: a 30 MB answer is not copied once more to be sent.
    public static func encodeBuffer(_ families: [MetricFamily], format: ExpositionFormat) throws(ExpositionError)
        -> ByteBuffer
    {
        var out = ByteBuffer()
        try encode(families, format: format, into: &out)
        return out
    }

    static func encode<Out: ByteSink>(_ families: [MetricFamily], format: ExpositionFormat, into out: inout Out)
        throws(ExpositionError)
    {
        let sorted = try ExpositionValidator.normalized(families)
        out.reserve(sorted.reduce(0) { $0 + estimatedSize($1) })
        for family in sorted {
            write(family, format: format, into: &out)
        }
        if format == .openMetrics100 { out.append(contentsOf: "# EOF\n".utf8) }
    }

    public static func encodeString(_ families: [MetricFamily], format: ExpositionFormat) throws(ExpositionError)
        -> String
    {
        String(decoding: try encode(families, format: format), as: UTF8.self)
    }

    static func write<Out: ByteSink>(_ family: MetricFamily, format: ExpositionFormat, into out: inout Out) {
        writeHeader(
            name: family.name, help: family.help, type: family.type, unit: family.unit, format: format, into: &out)
        let sampleName = family.type == .counter ? family.name + "_total" : family.name
        for sample in family.samples {
            writeSample(name: sampleName, suffix: sample.suffix, labels: sample.labels, value: sample.value, into: &out)
        }
    }

    /// `# HELP`, `# TYPE` and (OpenMetrics) `# UNIT` of a family.
    static func writeHeader<Out: ByteSink>(
        name: String, help: String, type: MetricType, unit: String?, format: ExpositionFormat, into out: inout Out
    ) {
        // Text 0.0.4 has no suffix rules: metadata names the series name. OpenMetrics names
        // the family and appends `_total` to counter samples.
        let metaName = (format == .text004 && type == .counter) ? name + "_total" : name
        out.append(contentsOf: "# HELP ".utf8)
        out.append(contentsOf: metaName.utf8)
        out.append(0x20)
        appendEscaped(help, quotes: format == .openMetrics100, into: &out)
        out.append(0x0A)
        out.append(contentsOf: "# TYPE ".utf8)
        out.append(contentsOf: metaName.utf8)
        out.append(0x20)
        switch (type, format) {
        case (.untyped, .openMetrics100): out.append(contentsOf: "unknown".utf8)
        default: out.append(contentsOf: type.rawValue.utf8)
        }
        out.append(0x0A)
        if format == .openMetrics100, let unit {
            out.append(contentsOf: "# UNIT ".utf8)
            out.append(contentsOf: metaName.utf8)
            out.append(0x20)
            out.append(contentsOf: unit.utf8)
            out.append(0x0A)
        }
    }

    /// One sample line; the same in both formats (`name` already carries a counter's `_total`).
    static func writeSample<Out: ByteSink>(
        name: String, suffix: SampleSuffix, labels: [Label], value: Double, into out: inout Out
    ) {
        out.append(contentsOf: name.utf8)
        if suffix != .none { out.append(contentsOf: suffix.text.utf8) }
        if !labels.isEmpty {
            out.append(UInt8(ascii: "{"))
            for (i, label) in labels.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: label.name.utf8)
                out.append(contentsOf: "=\"".utf8)
                appendEscaped(label.value, quotes: true, into: &out)
                out.append(UInt8(ascii: "\""))
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(0x20)
        out.append(contentsOf: formatValue(value).utf8)
        out.append(0x0A)
    }

    /// `appendEscaped` for callers outside the kit that write their own lines (push-gateway).
    public static func writeEscaped(_ s: String, quotes: Bool, into out: inout ByteBuffer) {
        appendEscaped(s, quotes: quotes, into: &out)
    }

    /// Escapes backslash and newline (and double quote where the format requires it).
    static func appendEscaped<Out: ByteSink>(_ s: String, quotes: Bool, into out: inout Out) {
        // Most values need no escape: copy them whole.
        if !s.utf8.contains(where: { $0 == 0x5C || $0 == 0x0A || (quotes && $0 == UInt8(ascii: "\"")) }) {
            out.append(contentsOf: s.utf8)
            return
        }
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case UInt8(ascii: "\"") where quotes: out.append(contentsOf: [0x5C, UInt8(ascii: "\"")])
            default: out.append(byte)
            }
        }
    }

    /// Bytes of a family's text (exact but for escapes and long values): one right-sized
    /// buffer instead of doublings of a 30 MB one.
    static func estimatedSize(_ f: MetricFamily) -> Int {
        var n = 3 * (f.name.utf8.count + 16) + f.help.utf8.count + 32
        for s in f.samples {
            n += f.name.utf8.count + 32
            for l in s.labels { n += l.name.utf8.count + l.value.utf8.count + 4 }
        }
        return n
    }

    /// `le` and `quantile` values: OpenMetrics wants a float ("1.0"), which text 0.0.4 also reads.
    public static func formatBound(_ v: Double) -> String {
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        return v.description
    }

    /// Integers print without a fraction; specials as Prometheus spells them.
    public static func formatValue(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 9.007_199_254_740_992e15 {
            return String(Int64(v))
        }
        return v.description
    }
}

/// Where the encoder writes: an array (tests, small answers) or a NIO buffer (the HTTP answer).
protocol ByteSink {
    mutating func append(_ byte: UInt8)
    mutating func append(contentsOf bytes: some Sequence<UInt8>)
    mutating func reserve(_ n: Int)
}

extension Array: ByteSink where Element == UInt8 {
    mutating func reserve(_ n: Int) { reserveCapacity(n) }
}

extension ByteBuffer: ByteSink {
    mutating func append(_ byte: UInt8) { writeInteger(byte) }
    mutating func append(contentsOf bytes: some Sequence<UInt8>) { writeBytes(bytes) }
    mutating func reserve(_ n: Int) { reserveCapacity(minimumWritableBytes: n) }
}
