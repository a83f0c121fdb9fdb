import Synchronization

/// Counts what the HTTP server turned away, for `<ns>_http_*` metrics.
public final class HTTPServerStats: Sendable {
    let passwordChecksRefused = Atomic<Int>(0)
    let connectionsRefused = Atomic<Int>(0)
    let connectionsEvicted = Atomic<Int>(0)
    let requestReadTimeouts = Atomic<Int>(0)
    let requestBodiesTooLarge = Atomic<Int>(0)
    let connectionsOpen = Atomic<Int>(0)
    let connectionsLimit = Atomic<Int>(0)

    public init() {}

    public func collector(namespace: String) -> some Collector {
        ClosureCollector(name: "http") { [self] in
            [
                .single(
                    name: "\(namespace)_http_password_checks_refused",
                    help:
                        "Requests answered 429 because too many bcrypt password checks were running or waiting.",
                    type: .counter, value: Double(passwordChecksRefused.load(ordering: .relaxed))),
                .single(
                    name: "\(namespace)_http_connections_refused",
                    help: "Connections closed on arrival because the connection limit was reached.",
                    type: .counter, value: Double(connectionsRefused.load(ordering: .relaxed))),
                .single(
                    name: "\(namespace)_http_connections_evicted",
                    help:
                        "Connections without a request in progress closed to make room for a new one at the connection limit.",
                    type: .counter, value: Double(connectionsEvicted.load(ordering: .relaxed))),
                .single(
                    name: "\(namespace)_http_request_read_timeouts",
                    help:
                        "Connections closed because a request was not fully read (answered 408) or a TLS handshake not completed within the request read timeout.",
                    type: .counter, value: Double(requestReadTimeouts.load(ordering: .relaxed))),
                .single(
                    name: "\(namespace)_http_request_bodies_too_large",
                    help: "Requests refused (413, connection closed) because their body was larger than the limit.",
                    type: .counter, value: Double(requestBodiesTooLarge.load(ordering: .relaxed))),
                .single(
                    name: "\(namespace)_http_connections_open", help: "Client connections open now.",
                    value: Double(connectionsOpen.load(ordering: .relaxed))),
                .single(
                    name: "\(namespace)_http_connections_limit",
                    help: "Client connections allowed at once (--web.max-connections, bounded by the open-file limit).",
                    value: Double(connectionsLimit.load(ordering: .relaxed))),
            ]
        }
    }
}
