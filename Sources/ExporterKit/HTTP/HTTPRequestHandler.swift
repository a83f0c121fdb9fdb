import Logging
import NIOCore
import NIOHTTP1

/// Assembles one request at a time (HTTPServerPipelineHandler serialises pipelined ones),
/// bounds its body, hands it to the responder off the event loop, and writes the answer.
/// Idle keep-alive connections are closed when the IdleStateHandler fires between requests.
final class HTTPRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let responder: any HTTPResponder
    private let maxBodyBytes: Int
    private let onBodyTooLarge: @Sendable () -> Void
    private let logger: Logger
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false
    private var inFlight = false

    init(
        responder: any HTTPResponder, maxBodyBytes: Int, logger: Logger,
        onBodyTooLarge: @escaping @Sendable () -> Void = {}
    ) {
        self.responder = responder
        self.maxBodyBytes = maxBodyBytes
        self.onBodyTooLarge = onBodyTooLarge
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            context.triggerUserOutboundEvent(RequestReadEvent.started, promise: nil)
            head = h
            body.removeAll(keepingCapacity: true)
            tooLarge = false
        case .body(var buffer):
            guard !tooLarge else { return }
            if body.count + buffer.readableBytes > maxBodyBytes {
                // Answer at once and close: reading the rest of a huge body is what the
                // limit is there to avoid.
                tooLarge = true
                body.removeAll()
                onBodyTooLarge()
                if let head {
                    write(
                        context: context, head: head,
                        response: .text(.payloadTooLarge, "413 request body larger than \(maxBodyBytes) bytes\n"),
                        forceClose: true)
                }
            } else if let bytes = buffer.readBytes(length: buffer.readableBytes) {
                body.append(contentsOf: bytes)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            if tooLarge { return }
            context.triggerUserOutboundEvent(RequestReadEvent.complete, promise: nil)
            let request = HTTPRequest(method: head.method, uri: head.uri, headers: head.headers, body: body)
            inFlight = true
            let promise = context.eventLoop.makePromise(of: HTTPResponse.self)
            let responder = self.responder
            promise.completeWithTask { await responder.respond(to: request) }
            promise.futureResult.assumeIsolated().whenSuccess { response in
                self.inFlight = false
                self.write(context: context, head: head, response: response, forceClose: false)
            }
        }
    }

    private func write(context: ChannelHandlerContext, head: HTTPRequestHead, response: HTTPResponse, forceClose: Bool)
    {
        context.triggerUserOutboundEvent(RequestReadEvent.responding, promise: nil)
        let keepAlive = head.isKeepAlive && !forceClose
        var headers = response.headers
        headers.replaceOrAdd(name: "Content-Length", value: String(response.bodyCount))
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let responseHead = HTTPResponseHead(version: head.version, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if head.method != .HEAD, response.bodyCount > 0 {
            if let ready = response.buffer {
                context.write(wrapOutboundOut(.body(.byteBuffer(ready))), promise: nil)
            } else {
                var buffer = context.channel.allocator.buffer(capacity: response.bodyCount)
                buffer.writeBytes(response.body)
                context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            }
        }
        let done = context.writeAndFlushPromise(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
        if response.bodyCount >= MemoryTrim.largeResponseBytes {
            // A scrape of a big cluster frees 100+ MB of series and text once sent; glibc keeps
            // freed pages, so the process would stay at its scrape peak between scrapes.
            done.assumeIsolated().whenComplete { _ in MemoryTrim.returnFreedMemoryToTheSystem() }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            // Only idle between requests; a slow scrape in progress is not idleness.
            if !inFlight && head == nil { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["err": "\(error)"])
        context.close(promise: nil)
    }
}

extension ChannelHandlerContext {
    fileprivate func writeAndFlushPromise(_ data: NIOAny) -> EventLoopFuture<Void> {
        let p = eventLoop.makePromise(of: Void.self)
        writeAndFlush(data, promise: p)
        return p.futureResult
    }
}
