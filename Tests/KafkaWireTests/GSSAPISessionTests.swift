import ExporterBase
import Foundation
import Testing

@testable import KafkaWire

// The pure parts of SASL/GSSAPI; the Kerberos exchanges themselves are tested against a real
// MIT KDC and acceptor in KafkaWireIntegrationTests/GSSAPITests.swift.

@Test func gssapiServicePrincipalHostComesFromTheBrokerAddress() {
    #expect(GSSAPISession.hostName(of: "kafka-1.example.com:9093") == "kafka-1.example.com")
    #expect(GSSAPISession.hostName(of: "127.0.0.1:9092") == "127.0.0.1")
    #expect(GSSAPISession.hostName(of: "[::1]:9092") == "::1")
    #expect(GSSAPISession.hostName(of: "::1:9092") == "::1")
    #expect(GSSAPISession.hostName(of: "kafka-1") == "kafka-1")
    #expect(GSSAPISession.hostName(of: "kafka-1:") == "kafka-1:")
}

@Test func gssapiConfigKeysAndDefaults() throws {
    let plain = try ConfigLoader.decode(
        KafkaConnectionConfig.self, yaml: "bootstrap: [a:1]\nsasl: {mechanism: GSSAPI}", file: "c.yml")
    #expect(plain.sasl?.gssapi == GSSAPIConfig())
    #expect(plain.sasl?.gssapi?.serviceName == "kafka")
    let full = try ConfigLoader.decode(
        KafkaConnectionConfig.self,
        yaml: """
            bootstrap: [a:1]
            sasl:
              mechanism: gssapi
              gssapi:
                service_name: kafka-prod
                principal: monitor@EXAMPLE.COM
                keytab: /etc/kafka/monitor.keytab
                kerberos_config: /etc/kafka/krb5.conf
            """, file: "c.yml")
    #expect(
        full.sasl?.gssapi
            == GSSAPIConfig(
                serviceName: "kafka-prod", principal: "monitor@EXAMPLE.COM", keytab: "/etc/kafka/monitor.keytab",
                kerberosConfig: "/etc/kafka/krb5.conf"))
}

@Test func gssapiErrorsPointAtTheLikelyCause() {
    let server = CyrusGSSAPIClient.hint(
        for: "GSSAPI Error: ... (Server kafka/b1@EXAMPLE.COM not found in Kerberos database)", target: "kafka/b1")
    #expect(server.contains("gssapi.service_name") && server.contains("kafka/b1"))
    #expect(CyrusGSSAPIClient.hint(for: "(Cannot contact any KDC for realm 'X')", target: "t").contains("KDC"))
    #expect(CyrusGSSAPIClient.hint(for: "something else", target: "t").isEmpty)
}

/// The workers block until released, so only the deadline or the cancellation can end the
/// waits (no wall-clock assertion: other tests may keep the cooperative pool busy).
@Test func gssapiBlockingWorkIsBoundedAndCancellable() async throws {
    let release = DispatchSemaphore(value: 0)
    defer { for _ in 0..<2 { release.signal() } }
    let late = await GSSAPISession.runOnOwnThread(timeout: .milliseconds(100), what: "slow work") {
        () throws(SASLError) -> Int in
        _ = release.wait(timeout: .now() + 60)
        return 1
    }
    #expect(throws: SASLError("slow work did not finish within 0.1 seconds (is the KDC reachable?)")) {
        try late.get()
    }

    let task = Task {
        await GSSAPISession.runOnOwnThread(timeout: .seconds(60), what: "slow work") { () throws(SASLError) -> Int in
            _ = release.wait(timeout: .now() + 60)
            return 1
        }
    }
    try await Task.sleep(for: .milliseconds(50))
    task.cancel()
    let cancelled = await task.value
    #expect(throws: SASLError("slow work was cancelled")) { try cancelled.get() }

    let quick = await GSSAPISession.runOnOwnThread(timeout: .seconds(60), what: "quick") { () throws(SASLError) in 42 }
    #expect(try quick.get() == 42)
}

@Test func gssapiServiceNameMustBeBare() {
    for bad in ["\"\"", "kafka/host", "kafka@REALM"] {
        do {
            _ = try ConfigLoader.decode(
                KafkaConnectionConfig.self,
                yaml: "bootstrap: [a:1]\nsasl: {mechanism: GSSAPI, gssapi: {service_name: \(bad)}}", file: "c.yml")
            Issue.record("\(bad) was accepted")
        } catch {
            #expect(error.description.contains("sasl.gssapi.service_name"), "\(error)")
        }
    }
}
