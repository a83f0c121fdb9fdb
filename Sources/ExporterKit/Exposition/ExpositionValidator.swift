/// Checks names and uniqueness, and puts families into the deterministic order the
/// encoder writes.
public enum ExpositionValidator {
    public static func isValidMetricName(_ name: some StringProtocol) -> Bool {
        guard let first = name.utf8.first, !isDigit(first) else { return false }
        return name.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ":") }
    }

    /// A label name a series may carry: the syntax, and not one of the reserved `__` names.
    public static func isValidLabelName(_ name: some StringProtocol) -> Bool {
        isLabelNameSyntax(name) && !name.hasPrefix("__")
    }

    /// The characters of a label name, `[a-zA-Z_][a-zA-Z0-9_]*`, reserved `__` names included
    /// (a parser that accepts them, as Go's text parser does, checks those itself).
    public static func isLabelNameSyntax(_ name: some StringProtocol) -> Bool {
        guard let first = name.utf8.first, !isDigit(first) else { return false }
        return name.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") }
    }

    /// Validates one family and returns it with sorted labels and sorted series.
    public static func normalized(_ family: MetricFamily) throws(ExpositionError) -> MetricFamily {
        try checkHeader(name: family.name, type: family.type, unit: family.unit)
        let distribution = family.type == .histogram || family.type == .summary
        if !distribution, let bad = family.samples.first(where: { $0.suffix != .none }) {
            throw .invalidMetricName(family.name + bad.suffix.text + " (suffix and type \(family.type) disagree)")
        }
        // Sorting only what is unsorted: a sort mutates, and mutating a shared array copies it
        // (every series of a 400k-series scrape, twice: per collector and in the encoder).
        var f = family
        for i in f.samples.indices {
            let byName: (Label, Label) -> Bool = { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            if !isSorted(f.samples[i].labels, by: byName) { f.samples[i].labels.sort(by: byName) }
            try checkSortedLabels(f.samples[i].labels, family: f.name)
        }
        // Distribution families keep the order they were built in (buckets ascending, then _sum
        // and _count per series), which exposition requires; their series differ by suffix.
        if !distribution, !isSorted(f.samples, by: { lessThan($0.labels, $1.labels) }) {
            f.samples.sort { lessThan($0.labels, $1.labels) }
        }
        // Prometheus compares label values as bytes: NFC and NFD spellings are two series, so
        // String's canonical equivalence must not be used here.
        for i in f.samples.indices.dropFirst()
        where f.samples[i - 1].suffix == f.samples[i].suffix
            && sameBytes(f.samples[i - 1].labels, f.samples[i].labels)
        {
            throw .duplicateSeries(family: f.name, labels: seriesText(f.samples[i].labels))
        }
        return f
    }

    /// The checks of one series' labels, given sorted by name: valid names, none twice.
    static func checkSortedLabels(_ labels: [Label], family: String) throws(ExpositionError) {
        for (j, label) in labels.enumerated() {
            guard isValidLabelName(label.name) else { throw .invalidLabelName(family: family, label: label.name) }
            if j > 0, !labels[j - 1].name.utf8.lexicographicallyPrecedes(label.name.utf8) {
                if labels[j - 1].name.utf8.elementsEqual(label.name.utf8) {
                    throw .duplicateLabel(family: family, label: label.name)
                }
                throw .unsortedSeries(family: family, labels: seriesText(labels))
            }
        }
    }

    /// A series' labels as an error message shows them.
    static func seriesText(_ labels: [Label]) -> String {
        labels.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ",")
    }

    /// The checks of a family's name, type and unit.
    static func checkHeader(name: String, type: MetricType, unit: String?) throws(ExpositionError) {
        guard isValidMetricName(name) else { throw .invalidMetricName(name) }
        if type == .counter, name.hasSuffix("_total") {
            throw .invalidMetricName(name + " (counter names are given without _total)")
        }
        if let unit, !name.hasSuffix("_" + unit) { throw .unitMismatch(family: name, unit: unit) }
    }

    /// Validates all families, rejects two families with the same series name, sorts.
    public static func normalized(_ families: [MetricFamily]) throws(ExpositionError) -> [MetricFamily] {
        var result: [MetricFamily] = []
        result.reserveCapacity(families.count)
        for family in families { result.append(try normalized(family)) }
        if !isSorted(result, by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) {
            result.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        }
        var seen = Set<String>()
        for f in result {
            for n in seriesNames(of: f) where !seen.insert(n).inserted { throw .duplicateFamily(n) }
        }
        return result
    }

    /// Names a family occupies: a counter `x` owns `x_total` too, so a gauge `x_total` collides.
    public static func seriesNames(of f: MetricFamily) -> [String] { seriesNames(name: f.name, type: f.type) }

    public static func seriesNames(name: String, type: MetricType) -> [String] {
        switch type {
        case .counter: [name, name + "_total"]
        case .histogram: [name, name + "_bucket", name + "_sum", name + "_count"]
        case .summary: [name, name + "_sum", name + "_count"]
        default: [name]
        }
    }

    /// Byte-wise (UTF-8) order, like Prometheus; deterministic regardless of normalisation.
    static func lessThan(_ a: [Label], _ b: [Label]) -> Bool {
        for (x, y) in zip(a, b) {
            if !x.name.utf8.elementsEqual(y.name.utf8) { return x.name.utf8.lexicographicallyPrecedes(y.name.utf8) }
            if !x.value.utf8.elementsEqual(y.value.utf8) {
                return x.value.utf8.lexicographicallyPrecedes(y.value.utf8)
            }
        }
        return a.count < b.count
    }

    static func sameBytes(_ a: [Label], _ b: [Label]) -> Bool {
        a.count == b.count
            && zip(a, b).allSatisfy {
                $0.name.utf8.elementsEqual($1.name.utf8) && $0.value.utf8.elementsEqual($1.value.utf8)
            }
    }

    static func isSorted<T>(_ a: [T], by less: (T, T) -> Bool) -> Bool {
        a.indices.dropFirst().allSatisfy { !less(a[$0], a[$0 - 1]) }
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    private static func isAlnum(_ b: UInt8) -> Bool {
        isDigit(b) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }
}
