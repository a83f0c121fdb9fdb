import NIOCore
import NIOSSL
import NIOTLS

/// Closes a TLS connection whose handshake has not completed within the timeout.
///
/// `RequestReadDeadline` sits after TLS and sees only decrypted bytes, so a client that opens a
/// connection and stalls in (or never starts) the handshake would hold its file descriptor
/// until the idle timeout. Sits right after the TLS handler, which announces the handshake's end
/// as an inbound user event.
final class TLSHandshakeDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let timeout: TimeAmount
    private let onTimeout: @Sendable () -> Void
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount, onTimeout: @escaping @Sendable () -> Void) {
        self.timeout = timeout
        self.onTimeout = onTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let onTimeout = self.onTimeout
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            timer = nil
            onTimeout()
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            disarm()
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { disarm() }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}
