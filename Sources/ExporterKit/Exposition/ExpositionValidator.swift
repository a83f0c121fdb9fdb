/// Checks names and uniqueness, and puts families into the deterministic order the
/// encoder writes.
public enum ExpositionValidator {
    public static func isValidMetricName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !isDigit(first) else { return false }
        return name.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ":") }
    }

    public static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !isDigit(first), !name.hasPrefix("__") else { return false }
        return name.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") }
    }

    /// Validates one family and returns it with sorted labels and sorted series.
    public static func normalized(_ family: MetricFamily) throws(ExpositionError) -> MetricFamily {
        guard isValidMetricName(family.name) else { throw .invalidMetricName(family.name) }
        if family.type == .counter, family.name.hasSuffix("_total") {
            throw .invalidMetricName(family.name + " (counter names are given without _total)")
        }
        if let unit = family.unit, !family.name.hasSuffix("_" + unit) {
            throw .unitMismatch(family: family.name, unit: unit)
        }
        var f = family
        for i in f.samples.indices {
            f.samples[i].labels.sort { $0.name < $1.name }
            let labels = f.samples[i].labels
            for (j, label) in labels.enumerated() {
                guard isValidLabelName(label.name) else {
                    throw .invalidLabelName(family: f.name, label: label.name)
                }
                if j > 0, labels[j - 1].name == label.name {
                    throw .duplicateLabel(family: f.name, label: label.name)
                }
            }
        }
        f.samples.sort { lessThan($0.labels, $1.labels) }
        for i in f.samples.indices.dropFirst() where f.samples[i - 1].labels == f.samples[i].labels {
            let text = f.samples[i].labels.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ",")
            throw .duplicateSeries(family: f.name, labels: text)
        }
        return f
    }

    /// Validates all families, rejects two families with the same series name, sorts.
    public static func normalized(_ families: [MetricFamily]) throws(ExpositionError) -> [MetricFamily] {
        var result: [MetricFamily] = []
        result.reserveCapacity(families.count)
        for family in families { result.append(try normalized(family)) }
        result.sort { $0.name < $1.name }
        var seen = Set<String>()
        for f in result {
            // A counter `x` owns the series name `x_total`; a gauge `x_total` would collide.
            let names = f.type == .counter ? [f.name, f.name + "_total"] : [f.name]
            for n in names where !seen.insert(n).inserted { throw .duplicateFamily(n) }
        }
        return result
    }

    static func lessThan(_ a: [Label], _ b: [Label]) -> Bool {
        for (x, y) in zip(a, b) {
            if x.name != y.name { return x.name < y.name }
            if x.value != y.value { return x.value < y.value }
        }
        return a.count < b.count
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    private static func isAlnum(_ b: UInt8) -> Bool {
        isDigit(b) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }
}
