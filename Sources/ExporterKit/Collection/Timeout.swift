import Synchronization

/// Thrown by `withTimeout` when the limit passed before the work finished.
public struct TimeoutError: Error, Sendable, CustomStringConvertible {
    public var after: Duration
    public var description: String { "did not finish within \(after)" }
}

/// Runs `body`, throwing `TimeoutError` after `limit` and cancelling it. Returns on time even
/// when `body` ignores cancellation (blocked in a read, a broker that never answers), where a
/// task group would wait for it: the work is left to finish alone. Task-local values (the
/// scrape deadline) reach `body`.
public func withTimeout<T: Sendable>(
    _ limit: Duration, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = Race<T>()
    let work = Task {
        do { race.finish(.success(try await body())) } catch { race.finish(.failure(error)) }
    }
    let timer = Task {
        try? await Task.sleep(for: limit)
        race.finish(.failure(TimeoutError(after: limit)))
    }
    let result = await race.value
    work.cancel()
    timer.cancel()
    return try result.get()
}

/// The first of several results, handed to one waiter.
private final class Race<T: Sendable>: Sendable {
    private struct State {
        var result: Result<T, any Error>?
        var waiter: CheckedContinuation<Result<T, any Error>, Never>?
    }
    private let state = Mutex(State())

    func finish(_ result: Result<T, any Error>) {
        let waiter: CheckedContinuation<Result<T, any Error>, Never>? = state.withLock { s in
            guard s.result == nil else { return nil }
            s.result = result
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: result)
    }

    var value: Result<T, any Error> {
        get async {
            await withCheckedContinuation { c in
                let ready: Result<T, any Error>? = state.withLock { s in
                    if s.result == nil { s.waiter = c }
                    return s.result
                }
                if let ready { c.resume(returning: ready) }
            }
        }
    }
}
