import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One TCP (or TLS) connection to one broker, with pipelined requests.
///
/// Every request has a deadline; when it passes the request fails and the connection is
/// closed (a broker that stopped answering is not reused; the cluster layer reconnects).
public final class BrokerConnection: Sendable {
    public let broker: String
    let channel: any Channel
    private let handler: NIOLoopBound<KafkaClientHandler>
    private let correlation = Mutex<Int32>(0)
    private let clientId: String?
    /// Versions the broker supports, per API key (after ApiVersions).
    private let brokerVersions = Mutex<[Int16: ClosedRange<Int16>]>([:])
    /// The broker's whole ApiVersions answer: its features tell e.g. KRaft from ZooKeeper mode.
    private let apiVersionsAnswer = Mutex<ApiVersionsResponse?>(nil)
    /// When the SASL session should be renewed (broker's session lifetime, KIP-368).
    private let renewAt = Mutex<ContinuousClock.Instant?>(nil)

    private let errors: ConnectionErrorBox

    init(
        broker: String, channel: any Channel, handler: KafkaClientHandler, clientId: String?, errors: ConnectionErrorBox
    ) {
        self.broker = broker
        self.errors = errors
        self.channel = channel
        self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
        self.clientId = clientId
    }

    /// Opens the TCP connection (and TLS if `tls` is given). No Kafka request is sent yet.
    static func open(
        host: String, port: Int, tls: NIOSSLContext?, serverName: String?, clientId: String?, connectTimeout: Duration,
        maxFrameBytes: Int, group: any EventLoopGroup
    ) async throws -> BrokerConnection {
        let broker = "\(host):\(port)"
        let errors = ConnectionErrorBox()
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(connectTimeout.timeAmount)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)  // IPPROTO_TCP; .socketOption would set SO_DEBUG
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    if let tls {
                        let name = serverName ?? (Self.isIPAddress(host) ? nil : host)
                        try ops.addHandler(NIOSSLClientHandler(context: tls, serverHostname: name))
                    }
                    try ops.addHandler(ByteToMessageHandler(KafkaFrameDecoder(maxFrameBytes: maxFrameBytes)))
                    try ops.addHandler(KafkaClientHandler(broker: broker, errorBox: errors))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch let e as ChannelError where e == .connectTimeout(connectTimeout.timeAmount) {
            throw KafkaConnectionError.connectTimedOut(broker: broker, after: connectTimeout)
        } catch {
            throw KafkaConnectionError.connectFailed(broker: broker, reason: "\(error)")
        }
        // The handler is event-loop bound: wrap it on its loop. A TLS failure may already have
        // torn the pipeline down: report its reason, not "handler not found".
        do {
            return try await channel.eventLoop.submit {
                let handler = try channel.pipeline.syncOperations.handler(type: KafkaClientHandler.self)
                return BrokerConnection(
                    broker: broker, channel: channel, handler: handler, clientId: clientId, errors: errors)
            }.get()
        } catch {
            throw Self.mapError(
                errors.first ?? KafkaConnectionError.connectionLost(broker: broker, reason: "\(error)"), broker: broker)
        }
    }

    /// NIO and TLS errors as `KafkaConnectionError`s that say what to check.
    static func mapError(_ error: any Error, broker: String) -> any Error {
        switch error {
        case let e as NIOSSLError: return KafkaConnectionError.tls(broker: broker, reason: describeTLS(e))
        case let e as BoringSSLError: return KafkaConnectionError.tls(broker: broker, reason: "\(e)")
        case let e as IOError:
            let hint =
                e.errnoCode == ECONNRESET
                ? " (a broker resets plaintext requests on a TLS listener: check the tls settings)" : ""
            return KafkaConnectionError.connectionLost(broker: broker, reason: "\(e)\(hint)")
        case let e as ChannelError: return KafkaConnectionError.connectionLost(broker: broker, reason: "\(e)")
        default: return error
        }
    }

    /// NIOSSL's errors, in words an operator can act on.
    static func describeTLS(_ e: NIOSSLError) -> String {
        switch e {
        case .handshakeFailed(let inner):
            let text = "\(inner)"
            if text.contains("CERTIFICATE_VERIFY_FAILED") {
                return "the broker's certificate is not trusted (check tls.ca_file and tls.server_name): \(text)"
            }
            if text.contains("WRONG_VERSION_NUMBER") || text.contains("record layer failure") {
                return "the peer does not speak TLS on this port (a plaintext listener?): \(text)"
            }
            return "handshake failed: \(text)"
        case .uncleanShutdown:
            return "the peer closed the connection during TLS (wrong port, or it rejected our certificate)"
        default:
            return "\(e)"
        }
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    public var isActive: Bool { channel.isActive }

    public func close() async {
        try? await channel.close()
    }

    func setBrokerVersions(_ versions: [Int16: ClosedRange<Int16>], answer: ApiVersionsResponse? = nil) {
        brokerVersions.withLock { $0 = versions }
        apiVersionsAnswer.withLock { $0 = answer }
    }

    /// The ApiVersions response this connection negotiated with (nil before negotiation).
    public var apiVersions: ApiVersionsResponse? { apiVersionsAnswer.withLock { $0 } }

    public var supportedVersions: [Int16: ClosedRange<Int16>] { brokerVersions.withLock { $0 } }

    /// The broker closes connections whose SASL session outlives its lifetime; we renew by
    /// reconnecting at 85 % of it, before the broker would.
    func setSessionLifetime(_ lifetime: Duration) {
        renewAt.withLock { $0 = .now + lifetime * 0.85 }
    }

    /// True once the SASL session is close to its end: the pool replaces the connection.
    public var sessionExpiring: Bool {
        renewAt.withLock { $0.map { ContinuousClock.now >= $0 } ?? false }
    }

    /// The highest version both sides support.
    public func version<R: KafkaRequest>(for type: R.Type, atMost cap: Int16? = nil) throws -> Int16 {
        let theirs = brokerVersions.withLock { $0[R.apiKey] }
        guard let theirs else {
            throw KafkaConnectionError.unsupportedAPI(
                broker: broker, api: R.apiName, ours: R.supportedVersions, theirs: nil)
        }
        let ours = R.supportedVersions
        let high = min(ours.upperBound, theirs.upperBound, cap ?? .max)
        guard high >= max(ours.lowerBound, theirs.lowerBound) else {
            throw KafkaConnectionError.unsupportedAPI(broker: broker, api: R.apiName, ours: ours, theirs: theirs)
        }
        return high
    }

    /// Sends a request at the negotiated (or given) version and decodes the response.
    public func send<R: KafkaRequest>(_ request: R, version: Int16? = nil, timeout: Duration) async throws
        -> R.Response
    {
        try await send(request, timeout: timeout) { _ in version }
    }

    /// Sends at a version chosen from the negotiated one (`choose` gets it and may lower it).
    public func send<R: KafkaRequest>(
        _ request: R, timeout: Duration, version choose: (Int16) -> Int16?
    ) async throws -> R.Response {
        let negotiated = try self.version(for: R.self)
        let v = choose(negotiated) ?? negotiated
        let flexible = R.isFlexible(v)
        var body = KafkaWriter()
        try request.encode(into: &body, version: v)
        var response = try await roundTrip(
            apiKey: R.apiKey, apiName: R.apiName, version: v, flexible: flexible, body: body.bytes, timeout: timeout)
        do {
            return try R.Response(from: &response, version: v)
        } catch {
            throw KafkaConnectionError.protocolError(
                broker: broker, reason: "cannot decode \(R.apiName) v\(v) response: \(error)")
        }
    }

    /// Frames and sends one request; returns a reader positioned after the response header.
    func roundTrip(
        apiKey: Int16, apiName: String, version: Int16, flexible: Bool, body: [UInt8], timeout: Duration
    ) async throws -> KafkaReader {
        let id = correlation.withLock { c -> Int32 in
            c = c == Int32.max ? 0 : c + 1
            return c
        }
        var w = KafkaWriter(capacity: body.count + 64)
        w.writeInt32(0)
        RequestHeader(apiKey: apiKey, apiVersion: version, correlationId: id, clientId: clientId)
            .encode(into: &w, flexible: flexible)
        w.writeRaw(body)
        w.patchInt32(Int32(w.count - 4), at: 0)
        var frame = channel.allocator.buffer(capacity: w.count)
        frame.writeBytes(w.bytes)

        let loop = channel.eventLoop
        let promise = loop.makePromise(of: ByteBuffer.self)
        let handler = self.handler
        let channel = self.channel
        let broker = self.broker
        let deadline = loop.scheduleTask(in: timeout.timeAmount) {
            handler.value.fail(
                correlationId: id, error: KafkaConnectionError.timedOut(broker: broker, api: apiName, after: timeout))
            channel.close(promise: nil)
        }
        promise.futureResult.whenComplete { _ in deadline.cancel() }
        let errors = self.errors
        let outgoing = frame
        loop.execute {
            // Registration and write happen on the loop in order; a channel that died meanwhile
            // (e.g. a failed TLS handshake) fails the request with the reason it died.
            handler.value.register(correlationId: id, promise: promise, channelActive: channel.isActive)
            channel.writeAndFlush(outgoing).whenFailure { error in
                handler.value.fail(correlationId: id, error: errors.first ?? error)
            }
        }
        var buffer: ByteBuffer
        do {
            buffer = try await promise.futureResult.get()
        } catch {
            throw Self.mapError(error, broker: broker)
        }
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        var reader = KafkaReader(bytes)
        let responseId = try ResponseHeader.decode(
            from: &reader, flexible: ResponseHeader.usesFlexibleHeader(apiKey: apiKey, requestFlexible: flexible))
        guard responseId == id else {
            throw KafkaConnectionError.protocolError(broker: broker, reason: "correlation id \(responseId) != \(id)")
        }
        return reader
    }
}
