import Synchronization

/// Counts what the HTTP server turned away, for `<ns>_http_*` metrics.
public final class HTTPServerStats: Sendable {
    let passwordChecksRefused = Atomic<Int>(0)

    public init() {}

    public func collector(namespace: String) -> some Collector {
        ClosureCollector(name: "http") { [self] in
            [
                .single(
                    name: "\(namespace)_http_password_checks_refused",
                    help:
                        "Requests answered 429 because too many bcrypt password checks were running or waiting.",
                    type: .counter, value: Double(passwordChecksRefused.load(ordering: .relaxed)))
            ]
        }
    }
}
