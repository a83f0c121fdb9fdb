import ExporterKit
import NIOCore
import NIOEmbedded
import NIOHTTP1

/// Fuzz target `http`: raw bytes from a client, through the server's HTTP/1 pipeline as
/// HTTPServer sets it up (configureHTTPServerPipeline with error handling: llhttp parsing,
/// pipelining, 400 answers), into ExporterKit's HTTPRequest and its path and query parsing
/// (percent-decoding). Not covered: basic-auth verification (bcrypt is deliberately slow, every
/// parseable header costs one hash) and the async responders (scrapes), which need a running
/// exporter. Compiled by the libFuzzer target and by the corpus replay tests.
func httpFuzzBody(_ input: UnsafeBufferPointer<UInt8>) {
    let channel = EmbeddedChannel()
    do {
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
        try channel.pipeline.syncOperations.addHandler(RequestSink())
        var buffer = channel.allocator.buffer(capacity: input.count)
        buffer.writeBytes(input)
        try channel.writeInbound(buffer)
        while try channel.readOutbound(as: ByteBuffer.self) != nil {}
    } catch {
        // A protocol error closes the connection: the normal answer to garbage.
    }
    _ = try? channel.finish()
}

/// Stands in for HTTPRequestHandler: assembles the request, parses what the routes parse, and
/// answers so the pipelining handler releases the next request.
private final class RequestSink: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body.removeAll()
        case .body(var buffer):
            if body.count < 1 << 16, let bytes = buffer.readBytes(length: buffer.readableBytes) {
                body.append(contentsOf: bytes)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            let request = HTTPRequest(method: head.method, uri: head.uri, headers: head.headers, body: body)
            let path = request.path
            let query = request.query
            _ = path.percentEncodedPathSegment
            _ = query["timeout"].map { $0.removingPercentEncodingLenient() }
            let response = HTTPResponseHead(
                version: head.version, status: .ok, headers: ["Content-Length": "0"])
            context.write(wrapOutboundOut(.head(response)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
