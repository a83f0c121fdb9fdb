/// Why a set of families cannot be encoded. These are programming or configuration errors
/// (two collectors emitting the same series); the scrape reports them instead of serving
/// output Prometheus would reject.
public enum ExpositionError: Error, Equatable, CustomStringConvertible {
    case invalidMetricName(String)
    case invalidLabelName(family: String, label: String)
    case duplicateFamily(String)
    case duplicateSeries(family: String, labels: String)
    case duplicateLabel(family: String, label: String)
    case unitMismatch(family: String, unit: String)
    /// A streamed family wrote a series out of the encoder's order (or a label out of name order).
    case unsortedSeries(family: String, labels: String)

    public var description: String {
        switch self {
        case .invalidMetricName(let n): return "invalid metric name \"\(n)\""
        case .invalidLabelName(let f, let l): return "metric \(f): invalid label name \"\(l)\""
        case .duplicateFamily(let f): return "metric family \(f) emitted twice"
        case .duplicateSeries(let f, let l): return "metric \(f): duplicate series {\(l)}"
        case .duplicateLabel(let f, let l): return "metric \(f): label \(l) given twice in one sample"
        case .unitMismatch(let f, let u): return "metric \(f): name does not end with its unit _\(u)"
        case .unsortedSeries(let f, let l): return "metric \(f): series {\(l)} written out of order"
        }
    }
}
