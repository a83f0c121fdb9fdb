import ArgumentParser
import Logging

public enum LogFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case logfmt
    case json
}

public enum LogLevelOption: String, ExpressibleByArgument, CaseIterable, Sendable {
    case debug
    case info
    case warn
    case error

    public var level: Logger.Level {
        switch self {
        case .debug: return .debug
        case .info: return .info
        case .warn: return .warning
        case .error: return .error
        }
    }
}
