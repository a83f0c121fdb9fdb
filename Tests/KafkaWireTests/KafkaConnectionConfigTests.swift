import ExporterBase
import Testing

@testable import KafkaWire

private func decode(_ yaml: String) throws(ConfigError) -> KafkaConnectionConfig {
    try ConfigLoader.decode(KafkaConnectionConfig.self, yaml: yaml, file: "c.yml")
}

private func error(_ yaml: String) -> String {
    do {
        _ = try decode(yaml)
        return "no error"
    } catch { return error.description }
}

@Test func minimalConfigGetsDefaults() throws {
    let c = try decode("bootstrap: [b1:9092, \"[::1]:9093\"]")
    #expect(c.bootstrap == [BrokerAddress(host: "b1", port: 9092), BrokerAddress(host: "::1", port: 9093)])
    #expect(c.clientId == "kafka-exporters")
    #expect(c.connectTimeout.duration == .seconds(10) && c.requestTimeout.duration == .seconds(30))
    #expect(c.tls == nil && c.sasl == nil)
    #expect(try decode("bootstrap: \"a:1, b:2\"").bootstrap.count == 2)
}

@Test func fullConfig() throws {
    let c = try decode(
        """
        bootstrap: [kafka-1:9094]
        client_id: lag
        tls: {ca_file: /etc/ca.pem, server_name: kafka.internal}
        sasl: {mechanism: scram-sha-512, username: monitor, password_env: KAFKA_PASSWORD}
        timeouts: {connect: 2s, request: 1m30s}
        """)
    #expect(c.tls?.caFile == "/etc/ca.pem" && c.tls?.serverName == "kafka.internal")
    #expect(c.sasl?.mechanism == .scramSHA512 && c.sasl?.password == .environment("KAFKA_PASSWORD"))
    #expect(c.requestTimeout.duration == .seconds(90))
}

@Test func errorsNameTheKeyAndNeverTheSecret() {
    #expect(error("bootstrap: []").contains("c.yml: bootstrap: at least one broker"))
    #expect(error("bootstrap: [nohost]").contains("bootstrap[0]: invalid broker address"))
    #expect(
        error("bootstrap: [a:1]\nsasl: {mechanism: SCRAM-SHA-1, username: u, password: p}").contains(
            "sasl.mechanism: unknown value \"SCRAM-SHA-1\" (expected PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER, GSSAPI)"
        ))
    #expect(error("bootstrap: [a:1]\nsasl: {mechanism: PLAIN, username: u}").contains("sasl.password: required"))
    let both = error("bootstrap: [a:1]\nsasl: {mechanism: PLAIN, username: u, password: hunter2, password_file: f}")
    #expect(both.contains("give only one of password") && !both.contains("hunter2"))
    #expect(error("bootstrap: [a:1]\ntimeouts: {conect: 1s}").contains("timeouts.conect: unknown key"))
    #expect(error("bootstrap: [a:1]\ntimeouts: {connect: soon}").contains("timeouts.connect: invalid duration"))
    #expect(error("bootstrap: [a:1]\ntls: {cert_file: c.pem}").contains("tls.key_file: cert_file and key_file"))
    #expect(error("bootstrap: [a:1]\nsasl: {mechanism: OAUTHBEARER}").contains("sasl.oauthbearer: required"))
    #expect(
        error("bootstrap: [a:1]\nsasl: {mechanism: OAUTHBEARER, oauthbearer: {token_endpoint: https://idp/token}}")
            .contains("client_id and a client secret are required"))
    #expect(error("bootstrap: [a:1]\nsasl: {mechanism: GSSAPI, gssapi: {keytab: k}}").contains("gssapi.principal"))
    #expect(error("bootstrap: [a:1]\nbootstrap_servers: x").contains("bootstrap_servers: unknown key"))
}

@Test func durationsParseLikePrometheus() {
    #expect(ConfigDuration(parsing: "500ms")?.duration == .milliseconds(500))
    #expect(ConfigDuration(parsing: "1h30m")?.duration == .seconds(5400))
    #expect(ConfigDuration(parsing: "2d")?.duration == .seconds(172_800))
    for bad in ["", "10", "s", "1.5s", "-1s", "10x", "99999999999999999999s"] {
        #expect(ConfigDuration(parsing: bad) == nil)
    }
}
