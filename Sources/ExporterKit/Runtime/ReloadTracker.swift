import Synchronization

/// Remembers the outcome of the last config reload for
/// `<ns>_config_last_reload_successful` and `..._success_timestamp_seconds`
/// (Prometheus' own names for the same facts).
public final class ReloadTracker: Sendable {
    private let state: Mutex<(ok: Bool, lastSuccess: Double)>

    public init() {
        state = Mutex((true, WallClock.nowSeconds))
    }

    public func record(success: Bool) {
        state.withLock {
            $0.ok = success
            if success { $0.lastSuccess = WallClock.nowSeconds }
        }
    }

    public var lastSucceeded: Bool { state.withLock { $0.ok } }

    public func collector(namespace: String) -> some Collector {
        ClosureCollector(name: "reload") { [self] in
            let (ok, ts) = state.withLock { ($0.ok, $0.lastSuccess) }
            return [
                .single(
                    name: "\(namespace)_config_last_reload_successful",
                    help: "Whether the last configuration reload attempt was successful.", value: ok ? 1 : 0),
                .single(
                    name: "\(namespace)_config_last_reload_success_timestamp_seconds",
                    help: "Timestamp of the last successful configuration reload (or of startup).", unit: "seconds",
                    value: ts),
            ]
        }
    }
}
