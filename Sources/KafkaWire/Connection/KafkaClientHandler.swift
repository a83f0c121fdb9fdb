import NIOCore
import Synchronization

/// The first error of a connection, readable from outside the event loop (a TLS failure can
/// close the channel before the caller gets hold of the handler).
final class ConnectionErrorBox: Sendable {
    private let error = Mutex<(any Error)?>(nil)

    func record(_ e: any Error) { error.withLock { if $0 == nil { $0 = e } } }
    var first: (any Error)? { error.withLock { $0 } }
}

/// Matches responses to requests by correlation id. Kafka answers requests on one connection
/// in order, but matching by id keeps a late or unexpected frame from being given to the
/// wrong caller. Everything here runs on the channel's event loop.
final class KafkaClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var pending: [Int32: EventLoopPromise<ByteBuffer>] = [:]
    private let broker: String

    /// The first error seen: the reason the connection ends (e.g. a TLS verification failure),
    /// which is more useful to callers than "closed".
    private let errorBox: ConnectionErrorBox

    init(broker: String, errorBox: ConnectionErrorBox) {
        self.broker = broker
        self.errorBox = errorBox
    }

    /// Registers a request before its frame is written (both on the event loop). On a channel
    /// that is already gone it fails at once with the reason the channel ended.
    func register(correlationId: Int32, promise: EventLoopPromise<ByteBuffer>, channelActive: Bool) {
        guard channelActive, !closed else {
            promise.fail(errorBox.first ?? KafkaConnectionError.closed(broker: broker))
            return
        }
        pending[correlationId] = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let id = frame.getInteger(at: frame.readerIndex, as: Int32.self),
            let promise = pending.removeValue(forKey: id)
        else {
            // A response nobody waits for (its request timed out): the stream is no longer
            // trustworthy, as Kafka's own clients conclude too.
            failAll(KafkaConnectionError.protocolError(broker: broker, reason: "unexpected response frame"))
            context.close(promise: nil)
            return
        }
        promise.succeed(frame)
    }

    /// Fails one request (its timeout fired).
    func fail(correlationId: Int32, error: any Error) {
        pending.removeValue(forKey: correlationId)?.fail(error)
    }

    private var closed = false

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        // The TLS handler may report why it closed right after closing: let that error reach
        // errorCaught first, then fail what is left with the best reason known.
        let broker = self.broker
        context.eventLoop.assumeIsolated().execute {
            self.failAll(self.errorBox.first ?? KafkaConnectionError.closed(broker: broker))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        errorBox.record(error)
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: any Error) {
        let all = pending
        pending.removeAll()
        for (_, p) in all { p.fail(error) }
    }
}
