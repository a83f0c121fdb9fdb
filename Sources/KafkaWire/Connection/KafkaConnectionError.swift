/// Connection-level failures, worded for operators (never containing secrets).
public enum KafkaConnectionError: Error, Sendable, CustomStringConvertible {
    case connectFailed(broker: String, reason: String)
    case timedOut(broker: String, api: String, after: Duration)
    case connectTimedOut(broker: String, after: Duration)
    case closed(broker: String)
    case connectionLost(broker: String, reason: String)
    case invalidFrame(size: Int, max: Int, hint: String?)
    case unsupportedAPI(broker: String, api: String, ours: ClosedRange<Int16>, theirs: ClosedRange<Int16>?)
    case tls(broker: String, reason: String)
    case authentication(broker: String, mechanism: String, reason: String)
    case protocolError(broker: String, reason: String)

    public var description: String {
        switch self {
        case .connectFailed(let b, let r): return "cannot connect to broker \(b): \(r)"
        case .timedOut(let b, let api, let d): return "broker \(b) did not answer \(api) within \(d)"
        case .connectTimedOut(let b, let d): return "connecting to broker \(b) timed out after \(d)"
        case .closed(let b): return "connection to broker \(b) closed"
        case .connectionLost(let b, let r): return "connection to broker \(b) lost: \(r)"
        case .invalidFrame(let size, let max, let hint):
            return "invalid response frame of \(size) bytes (limit \(max))" + (hint.map { ": \($0)" } ?? "")
        case .unsupportedAPI(let b, let api, let ours, let theirs):
            if let theirs {
                return
                    "broker \(b) supports \(api) versions \(theirs.lowerBound)-\(theirs.upperBound), this client \(ours.lowerBound)-\(ours.upperBound): no common version"
            }
            return "broker \(b) does not support \(api)"
        case .tls(let b, let r): return "TLS with broker \(b) failed: \(r)"
        case .authentication(let b, let m, let r): return "SASL \(m) authentication with broker \(b) failed: \(r)"
        case .protocolError(let b, let r): return "protocol error with broker \(b): \(r)"
        }
    }
}
