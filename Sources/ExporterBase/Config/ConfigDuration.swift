/// A duration written the Prometheus way: `500ms`, `10s`, `5m`, `1h30m`, `2d`.
public struct ConfigDuration: Decodable, Sendable, Equatable, Comparable, CustomStringConvertible {
    public var duration: Duration
    public let text: String

    public init(_ duration: Duration) {
        self.duration = duration
        text = duration.components.attoseconds == 0 ? "\(duration.components.seconds)s" : "\(duration.milliseconds)ms"
    }

    public init?(parsing text: String) {
        let units: [(String, Int64)] = [
            ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000),
            ("y", 31_536_000_000),
        ]
        var rest = Substring(text)
        var total: Int64 = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let n = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            // "ms" must be tried before "m".
            guard let unit = units.first(where: { rest.hasPrefix($0.0) && !(rest.hasPrefix("ms") && $0.0 == "m") })
            else { return nil }
            rest = rest.dropFirst(unit.0.count)
            let (product, overflow) = n.multipliedReportingOverflow(by: unit.1)
            guard !overflow else { return nil }
            total += product
        }
        duration = .milliseconds(total)
        self.text = text
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let raw = try c.decode(String.self)
        guard let parsed = ConfigDuration(parsing: raw) else {
            throw InvalidValueError(
                keyPath: ConfigError.keyPath(decoder.codingPath),
                message: "invalid duration \"\(raw)\" (expected e.g. 500ms, 10s, 5m, 1h30m)")
        }
        self = parsed
    }

    public var description: String { text }

    public static func < (a: ConfigDuration, b: ConfigDuration) -> Bool { a.duration < b.duration }
}
