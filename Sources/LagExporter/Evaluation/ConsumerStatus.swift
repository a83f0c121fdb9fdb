/// Burrow's status codes, with its numbers (users' alerts compare against them).
public enum ConsumerStatus: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case notFound = 0
    case ok = 1
    case warn = 2
    case err = 3
    case stop = 4
    case stall = 5
    case rewind = 6

    public var description: String {
        switch self {
        case .notFound: return "NOTFOUND"
        case .ok: return "OK"
        case .warn: return "WARN"
        case .err: return "ERR"
        case .stop: return "STOP"
        case .stall: return "STALL"
        case .rewind: return "REWIND"
        }
    }

    /// How a partition status weighs in its group: STOP, STALL and REWIND are errors.
    var groupLevel: ConsumerStatus {
        switch self {
        case .stop, .stall, .rewind: return .err
        default: return self
        }
    }

    public static func < (a: ConsumerStatus, b: ConsumerStatus) -> Bool { a.rawValue < b.rawValue }
}
