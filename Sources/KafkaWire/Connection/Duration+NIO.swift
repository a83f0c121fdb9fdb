import NIOCore

extension Duration {
    /// NIO's TimeAmount for scheduling deadlines on an event loop.
    var timeAmount: TimeAmount {
        let (s, atto) = components
        return .nanoseconds(s * 1_000_000_000 + atto / 1_000_000_000)
    }
}
