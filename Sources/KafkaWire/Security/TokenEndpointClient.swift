import ExporterBase
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A minimal HTTP/1.1 client for one OAuth token endpoint: one POST per connection
/// (`Connection: close`), http or https (CA file or the system roots), bounded by a timeout
/// from connect to the last body byte and by a response size cap. NIO's HTTP codec decodes
/// Content-Length, chunked and close-delimited bodies. Errors name the endpoint (without
/// user info or query) and never the request headers or body.
struct TokenEndpointClient: Sendable {
    struct Response: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    let scheme: String
    let host: String
    let port: Int
    /// Path and query, percent-encoded as given.
    let target: String
    /// The URL for messages: scheme, host, port and path only.
    let displayURL: String
    let tls: NIOSSLContext?
    let timeout: Duration
    let maxResponseBytes: Int
    let group: any EventLoopGroup

    init(
        url: String, caFile: String?, timeout: Duration = .seconds(10), maxResponseBytes: Int = 1 << 20,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws(ConfigError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", var host = components.host, !host.isEmpty
        else {
            throw ConfigError(keyPath: "sasl.oauthbearer.token_endpoint", message: "not a valid http(s) URL")
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else {
            throw ConfigError(keyPath: "sasl.oauthbearer.token_endpoint", message: "invalid port \(port)")
        }
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        self.scheme = scheme
        self.host = host
        self.port = port
        self.target = path + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        let hostPart = host.contains(":") ? "[\(host)]" : host
        self.displayURL = "\(scheme)://\(hostPart):\(port)\(path)"
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.group = group
        if scheme == "https" {
            var config = TLSConfiguration.makeClientConfiguration()
            config.minimumTLSVersion = .tlsv12
            if let caFile {
                config.trustRoots = try CAFile.trustRoots(caFile, keyPath: "sasl.oauthbearer.ca_file")
            }
            do {
                tls = try NIOSSLContext(configuration: config)
            } catch {
                throw ConfigError(keyPath: "sasl.oauthbearer", message: "invalid TLS settings: \(error)")
            }
        } else {
            tls = nil
        }
    }

    /// The `Host` header value: brackets for IPv6, port only when not the default.
    var hostHeader: String {
        let h = host.contains(":") ? "[\(host)]" : host
        let defaultPort = scheme == "https" ? 443 : 80
        return port == defaultPort ? h : "\(h):\(port)"
    }

    /// Sends one POST and returns the complete response (any status).
    func post(contentType: String, body: [UInt8], headers extra: [(String, String)]) async throws(SASLError)
        -> Response
    {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: hostHeader)
        headers.add(name: "User-Agent", value: "kafka-exporters")
        headers.add(name: "Accept", value: "application/json")
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        for (name, value) in extra { headers.add(name: name, value: value) }
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target, headers: headers)

        let loop = group.next()
        let promise = loop.makePromise(of: Response.self)
        let timeout = self.timeout
        let timer = loop.scheduleTask(in: timeout.timeAmount) { promise.fail(Failure.timedOut) }
        let tls = self.tls
        let host = self.host
        let maxBytes = maxResponseBytes
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(timeout.timeAmount)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    if let tls {
                        let name = BrokerConnection.isIPAddress(host) ? nil : host
                        try ops.addHandler(NIOSSLClientHandler(context: tls, serverHostname: name))
                    }
                    try ops.addHTTPClientHandlers()
                    try ops.addHandler(ResponseCollector(promise: promise, maxBytes: maxBytes))
                }
            }
        let connected = bootstrap.connect(host: host, port: port)
        connected.whenComplete { result in
            switch result {
            case .failure(let error):
                promise.fail(error is ChannelError ? error : Failure.cannotConnect(error))
            case .success(let channel):
                // Whatever ends the exchange (answer, error, timeout) closes the connection.
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                channel.write(HTTPClientRequestPart.head(head), promise: nil)
                channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
                channel.writeAndFlush(HTTPClientRequestPart.end(nil)).whenFailure { promise.fail($0) }
            }
        }
        do {
            let response = try await promise.futureResult.get()
            timer.cancel()
            return response
        } catch {
            timer.cancel()
            throw SASLError("token endpoint \(displayURL): \(describe(error))")
        }
    }

    func describe(_ error: any Error) -> String {
        switch error {
        case Failure.timedOut:
            return "no complete answer within \(timeout)"
        case Failure.tooLarge:
            return "the response is larger than \(maxResponseBytes) bytes"
        case Failure.closedEarly:
            return "the server closed the connection before the response was complete"
        case Failure.cannotConnect(let inner):
            if let e = inner as? NIOSSLError { return describe(e) }
            return "cannot connect: \(inner)"
        case ChannelError.connectTimeout:
            return "connect timed out after \(timeout)"
        case let e as NIOSSLError:
            if case .handshakeFailed(let inner) = e, "\(inner)".contains("CERTIFICATE_VERIFY_FAILED") {
                return "the server's certificate is not trusted (check sasl.oauthbearer.ca_file): \(inner)"
            }
            return "TLS failed: \(e)"
        default:
            return "request failed: \(error)"
        }
    }

    enum Failure: Error {
        case timedOut
        case tooLarge
        case closedEarly
        case cannotConnect(any Error)
    }

    /// Collects one response; completes the promise at its end or at the first problem.
    final class ResponseCollector: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart

        let promise: EventLoopPromise<Response>
        let maxBytes: Int
        var head: HTTPResponseHead?
        var body: [UInt8] = []

        init(promise: EventLoopPromise<Response>, maxBytes: Int) {
            self.promise = promise
            self.maxBytes = maxBytes
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                // 1xx answers are interim; the real head follows.
                if (100..<200).contains(h.status.code) { return }
                if let length = h.headers.first(name: "Content-Length").flatMap(Int.init), length > maxBytes {
                    promise.fail(Failure.tooLarge)
                    return
                }
                head = h
            case .body(let buffer):
                guard body.count + buffer.readableBytes <= maxBytes else {
                    promise.fail(Failure.tooLarge)
                    return
                }
                body += buffer.readableBytesView
            case .end:
                guard let head else { return }
                promise.succeed(Response(status: Int(head.status.code), headers: head.headers, body: body))
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(Failure.closedEarly)
            context.fireChannelInactive()
        }
    }
}
