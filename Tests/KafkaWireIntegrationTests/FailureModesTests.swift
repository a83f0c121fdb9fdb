import Foundation
import TestSupport
import Testing

@testable import KafkaWire

/// TLS through a real TLS server, and the ways a connection fails: each must give a clear
/// error within the configured timeouts, never a hang.
@Suite(.serialized) struct FailureModesTests {
    @Test func tlsThroughStunnelWithTheTestCA() async throws {
        let pki = try await TestPKI.make()
        defer { pki.remove() }
        let tlsPort = try freePort()
        let broker = try await TansuBroker.start(advertisedPort: tlsPort)
        defer { broker.stop() }
        let proxy = try await StunnelProxy.start(port: tlsPort, to: broker.port, pki: pki)
        defer { proxy.stop() }
        // The independent client also goes through the TLS port (the broker advertises it).
        try await kafkaPeer(["--ca", pki.caCert, "create-topic", "127.0.0.1:\(tlsPort)", "secure", "1"])
        try await kafkaPeer(["--ca", pki.caCert, "produce", "127.0.0.1:\(tlsPort)", "secure", "3"])

        let c = try client("127.0.0.1:\(tlsPort)", tls: TLSClientConfig(caFile: pki.caCert))
        let m = try await c.refreshMetadata()
        #expect(m.brokers.values.first?.port == tlsPort)
        let offsets = await c.listOffsets([TopicPartition("secure", 0)], spec: .latest)
        #expect(try offsets[TopicPartition("secure", 0)]?.get().offset == 3)
        await c.close()

        // Another CA: the broker's certificate must be refused, with a clear reason.
        let other = try await TestPKI.make()
        defer { other.remove() }
        let wrong = try client("127.0.0.1:\(tlsPort)", tls: TLSClientConfig(caFile: other.caCert))
        let started = ContinuousClock.now
        let error = await #expect(throws: KafkaConnectionError.self) { try await wrong.refreshMetadata() }
        #expect("\(error.map { "\($0)" } ?? "")".contains("not trusted"))
        #expect(ContinuousClock.now - started < .seconds(10))
        await wrong.close()

        // Plaintext Kafka to the TLS port: a clear error, not a hang.
        let plain = try client("127.0.0.1:\(tlsPort)", requestTimeout: .seconds(3))
        let started2 = ContinuousClock.now
        await #expect(throws: KafkaConnectionError.self) { try await plain.refreshMetadata() }
        #expect(ContinuousClock.now - started2 < .seconds(10))
        await plain.close()
    }

    @Test func refusedPortFailsFastAndBacksOff() async throws {
        let port = try freePort()
        let c = try client("127.0.0.1:\(port)")
        let started = ContinuousClock.now
        let first = await #expect(throws: KafkaConnectionError.self) { try await c.refreshMetadata() }
        #expect("\(first.map { "\($0)" } ?? "")".contains("cannot connect to broker 127.0.0.1:\(port)"))
        // Within the backoff window the client does not hammer the broker: it says when it retries.
        let second = await #expect(throws: KafkaConnectionError.self) { try await c.refreshMetadata() }
        #expect("\(second.map { "\($0)" } ?? "")".contains("next attempt in"))
        #expect(ContinuousClock.now - started < .seconds(5))
        await c.close()
    }

    @Test func silentBrokerTimesOut() async throws {
        let silent = try SilentListener()
        let c = try client("127.0.0.1:\(silent.port)", requestTimeout: .seconds(1))
        let started = ContinuousClock.now
        let error = await #expect(throws: KafkaConnectionError.self) { try await c.refreshMetadata() }
        #expect("\(error.map { "\($0)" } ?? "")".contains("did not answer ApiVersions within"))
        #expect(ContinuousClock.now - started < .seconds(5))
        await c.close()
    }

    @Test func clientRecoversWhenTheBrokerRestarts() async throws {
        var broker = try await TansuBroker.start()
        let port = broker.port
        try await kafkaPeer(["create-topic", broker.bootstrap, "r", "1"])
        try await kafkaPeer(["produce", broker.bootstrap, "r", "2"])
        let c = try client(broker.bootstrap, requestTimeout: .seconds(2))
        let tp = TopicPartition("r", 0)
        #expect(try await c.fetch([tp: 0])[tp]?.get().decode(readCommitted: true).batches.count == 2)

        broker.stop()
        let down = await c.fetch([tp: 0])[tp]
        #expect(throws: (any Error).self) { try down?.get() }

        broker = try await TansuBroker.start(port: port)
        defer { broker.stop() }
        try await kafkaPeer(["create-topic", broker.bootstrap, "r", "1"])
        try await kafkaPeer(["produce", broker.bootstrap, "r", "1"])
        // Reconnect with backoff: a few attempts, bounded.
        var recovered = false
        for _ in 0..<40 where !recovered {
            _ = try? await c.refreshMetadata()
            if let r = await c.fetch([tp: 0])[tp], let f = try? r.get(), !f.records.isEmpty { recovered = true }
            if !recovered { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(recovered)
        await c.close()
    }
}
