import Logging
import NIOCore
import NIOPosix
import NIOSSL

extension BrokerConnection {
    /// Opens a connection and makes it usable: ApiVersions negotiation, then SASL if configured.
    /// Every step is bounded by the config's timeouts.
    static func establish(
        host: String, port: Int, config: KafkaConnectionConfig, tls: NIOSSLContext?, logger: Logger,
        group: any EventLoopGroupProvider, saslContext: SASLContext = SASLContext()
    ) async throws -> BrokerConnection {
        let connection = try await open(
            host: host, port: port, tls: tls, serverName: config.tls?.serverName, clientId: config.clientId,
            connectTimeout: config.connectTimeout.duration, maxFrameBytes: config.maxResponseBytes,
            group: group.eventLoopGroup)
        do {
            try await connection.negotiateVersions(timeout: config.requestTimeout.duration)
            if let sasl = config.sasl {
                try await connection.authenticate(
                    sasl, context: saslContext, timeout: config.requestTimeout.duration, logger: logger)
            }
            return connection
        } catch {
            await connection.close()
            throw error
        }
    }

    /// ApiVersions at our highest version; a broker that does not know it answers in v0 with
    /// UNSUPPORTED_VERSION and its own range, and we retry at the highest common version.
    func negotiateVersions(timeout: Duration) async throws {
        var version = ApiVersionsRequest.supportedVersions.upperBound
        for _ in 0..<2 {
            let request = ApiVersionsRequest(clientSoftwareName: "kafka-exporters", clientSoftwareVersion: "0.1.0")
            var body = KafkaWriter()
            try request.encode(into: &body, version: version)
            let reader = try await roundTrip(
                apiKey: ApiVersionsRequest.apiKey, apiName: "ApiVersions", version: version,
                flexible: ApiVersionsRequest.isFlexible(version), body: body.bytes, timeout: timeout)
            var r = reader
            let response: ApiVersionsResponse
            if let decoded = try? ApiVersionsResponse(from: &r, version: version), decoded.errorCode == 0 {
                response = decoded
            } else {
                var v0 = reader
                let fallback = try ApiVersionsResponse(from: &v0, version: 0)
                guard fallback.errorCode == KafkaErrorCode.unsupportedVersion.rawValue,
                    let theirs = fallback.apiKeys.first(where: { $0.apiKey == ApiVersionsRequest.apiKey }),
                    theirs.maxVersion < version
                else {
                    throw KafkaConnectionError.protocolError(
                        broker: broker,
                        reason: "ApiVersions failed: \(KafkaErrorCode(fallback.errorCode))")
                }
                version = min(theirs.maxVersion, ApiVersionsRequest.supportedVersions.upperBound)
                continue
            }
            var map: [Int16: ClosedRange<Int16>] = [:]
            for key in response.apiKeys where key.minVersion <= key.maxVersion {
                map[key.apiKey] = key.minVersion...key.maxVersion
            }
            setBrokerVersions(map, answer: response)
            return
        }
        throw KafkaConnectionError.protocolError(broker: broker, reason: "ApiVersions negotiation did not converge")
    }

    /// SaslHandshake then SaslAuthenticate rounds until the mechanism is satisfied. Errors
    /// carry the broker's message but never the credentials.
    func authenticate(
        _ config: SASLConfig, context: SASLContext = SASLContext(), timeout: Duration, logger: Logger
    ) async throws {
        let mechanism = config.mechanism.rawValue
        var started = false
        func fail(_ reason: String) -> KafkaConnectionError {
            // A token the broker refused must not be offered again until it expires: the next
            // login asks the token endpoint for a fresh one.
            if started, config.mechanism == .oauthBearer { context.oauthTokenProvider?.invalidate() }
            return .authentication(broker: broker, mechanism: mechanism, reason: reason)
        }
        let handshake = try await send(SaslHandshakeRequest(mechanism: mechanism), timeout: timeout)
        if handshake.errorCode != 0 {
            let code = KafkaErrorCode(handshake.errorCode)
            if code == .unsupportedSaslMechanism {
                let enabled = handshake.mechanisms.joined(separator: ", ")
                throw fail("this listener of the broker does not offer \(mechanism) (it offers: \(enabled))")
            }
            throw fail("handshake failed: \(code)")
        }
        var session: any SASLSession
        do {
            session = try await SASLSessions.make(config, host: broker, context: context, timeout: timeout)
        } catch let e as SASLError {
            throw fail(e.message)
        }
        started = true
        var message: [UInt8]
        do { message = try session.start() } catch { throw fail(error.message) }
        for _ in 0..<16 {
            let response = try await send(SaslAuthenticateRequest(authBytes: message), timeout: timeout)
            if response.errorCode != 0 {
                let code = KafkaErrorCode(response.errorCode)
                let reason = session.serverFailure ?? response.errorMessage
                throw fail(reason.map { "\($0) (\(code.name))" } ?? code.description)
            }
            if response.sessionLifetimeMs > 0 {
                setSessionLifetime(.milliseconds(response.sessionLifetimeMs))
            }
            let next: [UInt8]?
            do { next = try session.respond(to: response.authBytes) } catch { throw fail(error.message) }
            guard let next else {
                logger.debug("authenticated", metadata: ["broker": "\(broker)", "mechanism": "\(mechanism)"])
                return
            }
            message = next
        }
        throw fail("too many SASL rounds")
    }
}

/// Where connections get their event loops (tests pass their own group).
public protocol EventLoopGroupProvider: Sendable {
    var eventLoopGroup: any EventLoopGroup { get }
}

/// NIO's shared group: the normal case.
public struct SharedEventLoopGroup: EventLoopGroupProvider {
    public init() {}
    public var eventLoopGroup: any EventLoopGroup { MultiThreadedEventLoopGroup.singleton }
}
