import NIOCore

/// One outstanding request: its correlation id and where the response goes.
struct PendingRequest {
    var correlationId: Int32
    var frame: ByteBuffer
    var promise: EventLoopPromise<ByteBuffer>
}

/// Matches responses to requests by correlation id. Kafka answers requests on one connection
/// in order, but matching by id keeps a late or unexpected frame from being given to the
/// wrong caller. Everything here runs on the channel's event loop.
final class KafkaClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = PendingRequest
    typealias OutboundOut = ByteBuffer

    private var pending: [Int32: EventLoopPromise<ByteBuffer>] = [:]
    private let broker: String

    init(broker: String) {
        self.broker = broker
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        pending[request.correlationId] = request.promise
        context.write(wrapOutboundOut(request.frame), promise: promise)
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

    func channelInactive(context: ChannelHandlerContext) {
        failAll(KafkaConnectionError.closed(broker: broker))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: any Error) {
        let all = pending
        pending.removeAll()
        for (_, p) in all { p.fail(error) }
    }
}
