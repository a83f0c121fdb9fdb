import Logging
import NIOCore
import NIOHTTP1
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
        /// From a request's first byte to its last (headers and body); then 408 and close.
        public var requestReadTimeout: TimeAmount = .seconds(10)
        /// Client connections open at once; nil: what the open-file limit leaves (see `FileLimit`).
        /// Past it, new connections are closed on arrival.
        public var maxConnections: Int?
        /// At the connection limit, a connection without a request in progress for this long
        /// (stalled mid-request, or idle) is closed to make room for a new one.
        public var evictWaitingConnectionsAfter: Duration = .seconds(1)
        /// bcrypt checks run at once: one per core, so a password flood cannot take more.
        public var passwordCheckThreads = System.coreCount
        /// bcrypt checks waiting for a thread; more get 429 at once.
        public var passwordCheckQueue = 2 * System.coreCount
        /// A refused request (401, 429) is answered no sooner than this after it arrived, so a
        /// client guessing passwords, or ignoring Retry-After, cannot spin and eat the CPU.
        public var authFailureDelay: Duration = .seconds(1)
        public init() {}
    }

    private let addresses: [ListenAddress]
    private let webConfig: WebConfigStore
    private let responder: any HTTPResponder
    private let limits: Limits
    private let logger: Logger
    private let group: any EventLoopGroup
    private let stats: HTTPServerStats
    private let passwordChecks: PasswordCheckPool
    private let connectionLimit: Int
    private let refusalLog = RateLimitedLog(interval: .seconds(10))
    private let bound = Mutex<[any Channel]>([])
    private let boundAddresses = Mutex<[SocketAddress]>([])
    /// Open client connections, closed at shutdown (keep-alive would otherwise outlive it).
    private let connections: ConnectionSet

    public init(
        addresses: [ListenAddress], webConfig: WebConfigStore, responder: any HTTPResponder,
        limits: Limits = Limits(), logger: Logger, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        stats: HTTPServerStats = HTTPServerStats()
    ) {
        self.stats = stats
        connectionLimit = FileLimit.connectionLimit(requested: limits.maxConnections)
        stats.connectionsLimit.store(connectionLimit, ordering: .relaxed)
        connections = ConnectionSet(stats: stats, evictAfter: limits.evictWaitingConnectionsAfter)
        passwordChecks = PasswordCheckPool(threads: limits.passwordCheckThreads, queueLimit: limits.passwordCheckQueue)
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
        passwordChecks.start()
        if let requested = limits.maxConnections, requested > connectionLimit {
            logger.warning(
                "--web.max-connections is above what the open-file limit allows; using the lower value",
                metadata: [
                    "requested": "\(requested)", "limit": "\(connectionLimit)",
                    "open_file_limit": "\(FileLimit.softLimit() ?? 0)",
                ])
        }
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
        await passwordChecks.shutdown()
    }

    private func bootstrap() -> ServerBootstrap {
        let webConfig = self.webConfig
        let responder = self.responder
        let limits = self.limits
        let logger = self.logger
        let connections = self.connections
        let stats = self.stats
        let passwordChecks = self.passwordChecks
        let connectionLimit = self.connectionLimit
        let refusalLog = self.refusalLog
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)  // IPPROTO_TCP level (SOL_SOCKET 1 is SO_DEBUG)
            .childChannelInitializer { channel in
                guard connections.insert(channel, limit: connectionLimit) else {
                    stats.connectionsRefused.add(1, ordering: .relaxed)
                    refusalLog { skipped in
                        logger.warning(
                            "refusing connections: connection limit reached (--web.max-connections)",
                            metadata: ["limit": "\(connectionLimit)", "refused_since_last_message": "\(skipped + 1)"])
                    }
                    // Failing the initializer closes the connection at once.
                    return channel.eventLoop.makeFailedFuture(ConnectionLimitReached())
                }
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
                        try ops.addHandler(
                            TLSHandshakeDeadline(
                                timeout: limits.requestReadTimeout,
                                onTimeout: { stats.requestReadTimeouts.add(1, ordering: .relaxed) }))
                    }
                    try ops.addHandler(
                        RequestReadDeadline(
                            timeout: limits.requestReadTimeout,
                            onTimeout: { stats.requestReadTimeouts.add(1, ordering: .relaxed) },
                            onBusy: { busy in connections.mark(channel, busy: busy) }))
                    try ops.configureHTTPServerPipeline(withErrorHandling: true)
                    try ops.addHandler(IdleStateHandler(readTimeout: limits.idleTimeout))
                    try ops.addHandler(
                        HTTPRequestHandler(
                            responder: CompressingResponder(
                                inner: AuthenticatingResponder(
                                    inner: responder, webConfig: webConfig, passwordChecks: passwordChecks,
                                    stats: stats, failureDelay: limits.authFailureDelay)),
                            maxBodyBytes: limits.maxBodyBytes, logger: logger,
                            onBodyTooLarge: { stats.requestBodiesTooLarge.add(1, ordering: .relaxed) }))
                }
            }
    }
}

/// Applies basic auth and configured response headers from the web config in force.
struct AuthenticatingResponder: HTTPResponder {
    let inner: any HTTPResponder
    let webConfig: WebConfigStore
    let passwordChecks: PasswordCheckPool
    let stats: HTTPServerStats
    let failureDelay: Duration

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        let arrived = ContinuousClock.now
        let active = webConfig.active
        var response: HTTPResponse
        let authenticator = active.authenticator
        let ok: Bool?
        switch authenticator.check(header: request.headers.first(name: "Authorization")) {
        case .decided(let outcome):
            ok = outcome
        case .needsBcrypt(let attempt):
            // bcrypt is CPU-bound by design: on its own bounded threads, off the cooperative pool.
            ok = await passwordChecks.run { authenticator.verify(attempt) }
        }
        switch ok {
        case true:
            response = await inner.respond(to: request)
        case false:
            response = .text(.unauthorized, "401 Unauthorized\n")
            response.headers.replaceOrAdd(name: "WWW-Authenticate", value: "Basic")
        case nil:
            stats.passwordChecksRefused.add(1, ordering: .relaxed)
            response = .text(.tooManyRequests, "429 too many password checks in progress; retry shortly\n")
            response.headers.replaceOrAdd(name: "Retry-After", value: "1")
        }
        if ok != true { try? await Task.sleep(until: arrived + failureDelay) }
        for (name, value) in active.config.httpServerConfig?.headers ?? [:] {
            response.headers.replaceOrAdd(name: name, value: value)
        }
        return response
    }
}
