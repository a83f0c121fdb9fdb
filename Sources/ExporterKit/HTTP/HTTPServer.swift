import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// The exporters' HTTP(S) server: one listener per `--web.listen-address`, TLS and client-cert
/// policy from the web config in force when a connection arrives, gzip when accepted,
/// bounded request sizes, idle keep-alive connections closed.
public final class HTTPServer: Service, Sendable {
    public struct Limits: Sendable {
        public var maxBodyBytes = 64 * 1024
        public var idleTimeout: TimeAmount = .seconds(60)
        public init() {}
    }

    private let addresses: [ListenAddress]
    private let webConfig: WebConfigStore
    private let responder: any HTTPResponder
    private let limits: Limits
    private let logger: Logger
    private let group: any EventLoopGroup
    private let bound = Mutex<[any Channel]>([])
    private let boundAddresses = Mutex<[SocketAddress]>([])
    /// Open client connections, closed at shutdown (keep-alive would otherwise outlive it).
    private let connections = ConnectionSet()

    public init(
        addresses: [ListenAddress], webConfig: WebConfigStore, responder: any HTTPResponder,
        limits: Limits = Limits(), logger: Logger, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.addresses = addresses
        self.webConfig = webConfig
        self.responder = responder
        self.limits = limits
        self.logger = logger
        self.group = group
    }

    /// Where the listeners ended up (port 0 resolves to a real port).
    public var localAddresses: [SocketAddress] { boundAddresses.withLock { $0 } }

    /// Binds every address; throws (naming the address) if any cannot be bound.
    public func bind() async throws {
        for address in addresses {
            let channel: any Channel
            do {
                channel = try await bootstrap().bind(host: address.host ?? "::", port: address.port).get()
            } catch  where address.host == nil {
                // Hosts without IPv6 cannot bind "::"; fall back to every IPv4 interface.
                channel = try await bootstrap().bind(host: "0.0.0.0", port: address.port).get()
            } catch {
                throw ConfigError(keyPath: "--web.listen-address", message: "cannot listen on \(address): \(error)")
            }
            bound.withLock { $0.append(channel) }
            if let local = channel.localAddress { boundAddresses.withLock { $0.append(local) } }
            logger.info(
                "listening",
                metadata: [
                    "address": "\(channel.localAddress.map { "\($0)" } ?? "\(address)")",
                    "tls": "\(webConfig.usesTLS)",
                ])
        }
    }

    /// Service entry: binds if not yet bound, serves until graceful shutdown, then closes.
    public func run() async throws {
        if bound.withLock({ $0.isEmpty }) { try await bind() }
        try? await gracefulShutdown()
        await close()
    }

    public func close() async {
        let channels = bound.withLock { c -> [any Channel] in
            defer { c.removeAll() }
            return c
        }
        for channel in channels { try? await channel.close() }
        for channel in connections.drain() { try? await channel.close() }
    }

    private func bootstrap() -> ServerBootstrap {
        let webConfig = self.webConfig
        let responder = self.responder
        let limits = self.limits
        let logger = self.logger
        let connections = self.connections
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)  // IPPROTO_TCP level (SOL_SOCKET 1 is SO_DEBUG)
            .childChannelInitializer { channel in
                connections.insert(channel)
                return channel.eventLoop.makeCompletedFuture {
                    let active = webConfig.active
                    let ops = channel.pipeline.syncOperations
                    if let tls = active.tls {
                        switch active.clientAuth {
                        case .requestClientCert, .requireAnyClientCert:
                            // Ask for (or require) a certificate but accept any, as Go's tls does.
                            try ops.addHandler(
                                NIOSSLServerHandler(context: tls) { _, promise in promise.succeed(.certificateVerified)
                                })
                        default:
                            try ops.addHandler(NIOSSLServerHandler(context: tls))
                        }
                    }
                    try ops.configureHTTPServerPipeline(withErrorHandling: true)
                    try ops.addHandler(HTTPResponseCompressor())
                    try ops.addHandler(IdleStateHandler(readTimeout: limits.idleTimeout))
                    try ops.addHandler(
                        HTTPRequestHandler(
                            responder: AuthenticatingResponder(inner: responder, webConfig: webConfig),
                            maxBodyBytes: limits.maxBodyBytes, logger: logger))
                }
            }
    }
}

/// Applies basic auth and configured response headers from the web config in force.
struct AuthenticatingResponder: HTTPResponder {
    let inner: any HTTPResponder
    let webConfig: WebConfigStore

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        let active = webConfig.active
        var response: HTTPResponse
        if active.authenticator.isEnabled {
            let header = request.headers.first(name: "Authorization")
            let authenticator = active.authenticator
            // bcrypt is CPU-bound by design: keep it off the cooperative pool.
            let ok =
                (try? await NIOThreadPool.singleton.runIfActive { authenticator.authorize(header: header) }) ?? false
            if ok {
                response = await inner.respond(to: request)
            } else {
                response = .text(.unauthorized, "401 Unauthorized\n")
                response.headers.replaceOrAdd(name: "WWW-Authenticate", value: "Basic")
            }
        } else {
            response = await inner.respond(to: request)
        }
        for (name, value) in active.config.httpServerConfig?.headers ?? [:] {
            response.headers.replaceOrAdd(name: name, value: value)
        }
        return response
    }
}

/// Client channels by identity; removed when they close.
final class ConnectionSet: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func insert(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [self] _ in _ = channels.withLock { $0.removeValue(forKey: id) } }
    }

    func drain() -> [any Channel] {
        channels.withLock { c in
            defer { c.removeAll() }
            return Array(c.values)
        }
    }
}
