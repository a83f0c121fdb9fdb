/// The two wire formats a scraper can ask for.
public enum ExpositionFormat: Sendable, Equatable {
    case text004
    case openMetrics100

    public var contentType: String {
        switch self {
        case .text004: return "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics100: return "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// Picks the format from an `Accept` header by q-value, as Prometheus negotiates
    /// (it sends OpenMetrics first with text/plain as a lower-q fallback). Anything we
    /// cannot parse or do not offer falls back to text 0.0.4.
    public static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept, !accept.isEmpty else { return .text004 }
        var best: (format: ExpositionFormat, q: Double)?
        for part in accept.split(separator: ",") {
            let params = part.split(separator: ";").map { $0.trimmingSpaces() }
            guard let mediaType = params.first?.lowercased() else { continue }
            var q = 1.0
            var version: String?
            for param in params.dropFirst() {
                let kv = param.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces() }
                guard kv.count == 2 else { continue }
                var value = Substring(kv[1])
                if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
                switch kv[0].lowercased() {
                case "q":
                    // RFC 9110: q is 0...1; anything else (inf, 5, garbage) is invalid.
                    let parsed = Double(value) ?? -1
                    q = parsed.isFinite && parsed >= 0 && parsed <= 1 ? parsed : 0
                case "version": version = String(value)
                default: break
                }
            }
            let format: ExpositionFormat?
            switch mediaType {
            case "application/openmetrics-text":
                // 0.0.1 and 1.0.0 share the syntax we emit; unknown future versions do not.
                format = (version == nil || version == "1.0.0" || version == "0.0.1") ? .openMetrics100 : nil
            case "text/plain", "*/*", "text/*":
                format = .text004
            default:
                format = nil
            }
            guard let format, q > 0 else { continue }
            if best == nil || q > best!.q { best = (format, q) }
        }
        return best?.format ?? .text004
    }
}
