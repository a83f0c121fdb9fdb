import ExporterBase
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// A client for one Kafka cluster: bootstrap and broker discovery, one connection per broker
/// (reconnected with exponential backoff and jitter), routing to partition leaders and group
/// coordinators, and retries of retriable errors after a metadata refresh. Every call is
/// bounded: a broker that does not answer costs at most the request timeout per attempt.
public final class KafkaClient: Sendable {
    public let config: KafkaConnectionConfig
    let logger: Logger
    /// Connection failures: logged when a broker becomes unreachable and when it is back.
    let outages: OutageLog
    let tls: NIOSSLContext?
    /// Per-cluster SASL state (the OAUTHBEARER token cache), shared by all connections.
    let saslContext: SASLContext
    let group: any EventLoopGroupProvider
    /// Reconnect backoff: base doubles per failure up to max, +-20 % jitter.
    public var backoffBase: Duration { .milliseconds(200) }
    public var backoffMax: Duration { .seconds(30) }
    /// Attempts for a routed request (first try included).
    let maxAttempts = 3

    struct Endpoint: Sendable {
        var address: BrokerAddress
        var connecting: Task<BrokerConnection, any Error>?
        var connection: BrokerConnection?
        var failures = 0
        var retryAt: ContinuousClock.Instant?
        var lastError: String?
    }

    struct State: Sendable {
        /// Known brokers by node id; bootstrap addresses use ids -1, -2, ...
        var endpoints: [Int32: Endpoint] = [:]
        var metadata: ClusterMetadata?
        var coordinators: [String: Int32] = [:]
        var closed = false
    }

    let state = Mutex(State())

    public init(
        config: KafkaConnectionConfig, logger: Logger, group: any EventLoopGroupProvider = SharedEventLoopGroup()
    )
        throws
    {
        self.config = config
        self.logger = logger
        self.outages = OutageLog(logger: logger)
        self.group = group
        self.tls = try config.tls.map { try TLSContextFactory.make($0, logger: logger) }
        self.saslContext = try SASLContext(config: config.sasl, group: group.eventLoopGroup)
        state.withLock { s in
            for (i, address) in config.bootstrap.enumerated() {
                s.endpoints[Int32(-1 - i)] = Endpoint(address: address)
            }
        }
    }

    /// Closes every connection; later calls fail.
    public func close() async {
        let connections = state.withLock { s -> [BrokerConnection] in
            s.closed = true
            let all = s.endpoints.values.compactMap(\.connection)
            for k in s.endpoints.keys {
                s.endpoints[k]?.connecting?.cancel()
                s.endpoints[k]?.connection = nil
            }
            return all
        }
        for c in connections { await c.close() }
    }

    public var cachedMetadata: ClusterMetadata? { state.withLock { $0.metadata } }

    // MARK: connections

    /// The connection to a node, opened (or reopened after backoff) as needed.
    public func connection(to node: Int32) async throws -> BrokerConnection {
        let now = ContinuousClock.now
        let task: Task<BrokerConnection, any Error> = try state.withLock { s in
            guard !s.closed else { throw KafkaConnectionError.closed(broker: "client") }
            guard var e = s.endpoints[node] else {
                throw KafkaConnectionError.connectFailed(broker: "node \(node)", reason: "unknown broker id")
            }
            if let c = e.connection, c.isActive, !c.sessionExpiring { return Task { c } }
            if let t = e.connecting { return t }
            if let retryAt = e.retryAt, now < retryAt {
                throw KafkaConnectionError.connectFailed(
                    broker: e.address.description,
                    reason: "\(e.lastError ?? "unreachable"); next attempt in \(Self.format(retryAt - now))")
            }
            let address = e.address
            let t = Task { try await self.open(node: node, address: address) }
            e.connecting = t
            s.endpoints[node] = e
            return t
        }
        return try await task.value
    }

    private func open(node: Int32, address: BrokerAddress) async throws -> BrokerConnection {
        do {
            let c = try await BrokerConnection.establish(
                host: address.host, port: address.port, config: config, tls: tls, logger: logger, group: group,
                saslContext: saslContext)
            let stale = state.withLock { s -> BrokerConnection? in
                let old = s.endpoints[node]?.connection
                s.endpoints[node]?.connection = c
                s.endpoints[node]?.connecting = nil
                s.endpoints[node]?.failures = 0
                s.endpoints[node]?.retryAt = nil
                s.endpoints[node]?.lastError = nil
                return old === c ? nil : old
            }
            if let stale { await stale.close() }
            outages.record("\(address)", error: nil, "broker connection", metadata: ["broker": "\(address)"])
            return c
        } catch {
            state.withLock { s in
                guard var e = s.endpoints[node] else { return }
                e.connecting = nil
                e.failures += 1
                e.lastError = "\(error)"
                e.retryAt = .now + Self.backoff(failures: e.failures, base: backoffBase, max: backoffMax)
                s.endpoints[node] = e
            }
            outages.record("\(address)", error: error, "broker connection", metadata: ["broker": "\(address)"])
            throw error
        }
    }

    static func backoff(failures: Int, base: Duration, max: Duration) -> Duration {
        let exp = base * (1 << Swift.min(failures - 1, 16))
        let capped = Swift.min(exp, max)
        return capped * Double.random(in: 0.8...1.2)
    }

    static func format(_ d: Duration) -> String {
        let ms = d.milliseconds
        return ms >= 1000 ? "\(ms / 1000)s" : "\(ms)ms"
    }

    /// Sends to the first broker that can be reached: known brokers first, then bootstrap.
    public func sendToAnyBroker<R: KafkaRequest>(
        _ request: R, versionChooser: @Sendable (Int16) -> Int16? = { _ in nil }
    ) async throws -> R.Response {
        try await sendToAnyBrokerVia(request, versionChooser: versionChooser).response
    }

    /// `sendToAnyBroker`, also returning the connection that answered.
    func sendToAnyBrokerVia<R: KafkaRequest>(
        _ request: R, versionChooser: @Sendable (Int16) -> Int16? = { _ in nil }
    ) async throws -> (response: R.Response, via: BrokerConnection) {
        let nodes = state.withLock { s in
            // Known brokers (ids >= 0) before bootstrap entries (negative ids).
            s.endpoints.keys.sorted { a, b in
                a >= 0 && b < 0 ? true : (a < 0) == (b < 0) ? (a >= 0 ? a < b : a > b) : false
            }
        }
        var lastError: (any Error)?
        for node in nodes {
            do {
                let c = try await connection(to: node)
                let response = try await c.send(
                    request, timeout: config.requestTimeout.duration, version: versionChooser)
                return (response, c)
            } catch let e as KafkaConnectionError {
                lastError = e
                if case .unsupportedAPI = e { throw e }
                if case .authentication = e { throw e }
            }
        }
        throw lastError ?? KafkaConnectionError.connectFailed(broker: "cluster", reason: "no brokers configured")
    }

    /// Sends to one broker by node id.
    public func send<R: KafkaRequest>(_ request: R, to node: Int32) async throws -> R.Response {
        try await sendTo(node, request) { _ in nil }
    }

    /// Sends to one broker, letting `versionChooser` lower the negotiated version.
    public func sendTo<R: KafkaRequest>(
        _ node: Int32, _ request: R, versionChooser: (Int16) -> Int16?
    ) async throws -> R.Response {
        let c = try await connection(to: node)
        do {
            return try await c.send(request, timeout: config.requestTimeout.duration, version: versionChooser)
        } catch let e as KafkaConnectionError {
            if case .timedOut = e { forget(node: node, connection: c) }
            if case .closed = e { forget(node: node, connection: c) }
            if case .connectionLost = e { forget(node: node, connection: c) }
            throw e
        }
    }

    private func forget(node: Int32, connection: BrokerConnection) {
        state.withLock { s in
            if s.endpoints[node]?.connection === connection { s.endpoints[node]?.connection = nil }
        }
    }

    // MARK: metadata

    /// Fetches metadata (all topics when `topics` is nil) and updates the broker map.
    @discardableResult
    public func refreshMetadata(topics: [String]? = nil) async throws -> ClusterMetadata {
        let request = MetadataRequest(
            topics: topics.map { $0.map { MetadataRequest.MetadataRequestTopic(name: $0) } },
            allowAutoTopicCreation: false)
        let (response, via) = try await sendToAnyBrokerVia(request)
        if response.errorCode != 0 {
            throw KafkaResponseError(api: "Metadata", code: KafkaErrorCode(response.errorCode))
        }
        var metadata = ClusterMetadata(response)
        metadata.answeringBrokerApiVersions = via.apiVersions
        let stale: [BrokerConnection] = state.withLock { s in
            var closing: [BrokerConnection] = []
            if topics != nil, let old = s.metadata {
                // A partial request must not forget the other topics.
                metadata.topics = old.topics.merging(metadata.topics) { _, new in new }
            }
            for (id, b) in metadata.brokers {
                let address = BrokerAddress(host: b.host, port: b.port)
                if let e = s.endpoints[id], e.address == address { continue }
                if let c = s.endpoints[id]?.connection { closing.append(c) }
                s.endpoints[id] = Endpoint(address: address)
            }
            for id in s.endpoints.keys where id >= 0 && metadata.brokers[id] == nil {
                if let c = s.endpoints[id]?.connection { closing.append(c) }
                s.endpoints[id] = nil
            }
            s.metadata = metadata
            return closing
        }
        for c in stale { await c.close() }
        return metadata
    }

    /// Runs `body` up to `maxAttempts` times while it fails with a retriable broker or
    /// connection error, refreshing metadata in between when the error asks for it.
    func withRetries<T: Sendable>(_ what: String, _ body: () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await body()
            } catch {
                guard attempt < maxAttempts, Self.isRetriable(error) else { throw error }
                logger.debug("retrying", metadata: ["request": "\(what)", "attempt": "\(attempt)", "err": "\(error)"])
                if Self.needsRefresh(error) { _ = try? await refreshMetadata() }
                try await Task.sleep(for: Self.backoff(failures: attempt, base: backoffBase, max: .seconds(2)))
            }
        }
    }

    static func isRetriable(_ error: any Error) -> Bool {
        switch error {
        case let e as KafkaResponseError: return e.code.isRetriable
        case let e as KafkaConnectionError:
            switch e {
            case .timedOut, .closed, .connectionLost, .connectFailed, .connectTimedOut: return true
            default: return false
            }
        default: return false
        }
    }

    static func needsRefresh(_ error: any Error) -> Bool {
        if let e = error as? KafkaResponseError { return e.code.needsMetadataRefresh }
        return error is KafkaConnectionError
    }
}
