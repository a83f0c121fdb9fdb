import NIOCore

/// What `HTTPRequestHandler` tells `RequestReadDeadline` (outbound user events).
enum RequestReadEvent {
    /// A request head arrived (a pipelined one may arrive without new bytes).
    case started
    /// The whole request, body included, has been read.
    case complete
    /// The answer is on its way; the next bytes start a new request.
    case responding
}

/// Bounds the time from a request's first byte to its last (headers and body). Idle keep-alive
/// connections have their own timeout, but it restarts with every byte and a request in
/// progress is not idle: a client announcing a body and never sending it (or trickling
/// headers) would hold the connection, and its file descriptor, for ever.
///
/// Sits right after TLS, before the HTTP decoder, so it sees every byte of a request.
final class RequestReadDeadline: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State { case idle, reading, busy }

    private let timeout: TimeAmount
    private let onTimeout: @Sendable () -> Void
    /// Told when a request is in progress (read and being answered) and when it is over or
    /// being read, for the connection limit's choice of whom to evict.
    private let onBusy: @Sendable (Bool) -> Void
    private var state = State.idle
    private var timer: Scheduled<Void>?

    init(
        timeout: TimeAmount, onTimeout: @escaping @Sendable () -> Void,
        onBusy: @escaping @Sendable (Bool) -> Void = { _ in }
    ) {
        self.timeout = timeout
        self.onTimeout = onTimeout
        self.onBusy = onBusy
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if state == .idle { arm(context: context) }
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let event = event as? RequestReadEvent else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        switch event {
        case .started:
            if state != .reading { arm(context: context) }
        case .complete:
            disarm()
            state = .busy
            onBusy(true)
        case .responding:
            if state == .busy {
                state = .idle
                onBusy(false)
            }
        }
        promise?.succeed(())
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { disarm() }

    private func arm(context: ChannelHandlerContext) {
        state = .reading
        onBusy(false)
        timer?.cancel()
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            timer = nil
            guard state == .reading else { return }
            onTimeout()
            // Nothing is being answered on this connection (the request is unread), so a plain 408 can go
            // straight onto the wire before closing.
            let answer = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: answer)))
                .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}
