import ExporterKit
import Testing

@testable import PushGateway

@Suite struct ConfigTests {
    @Test func perJobTTLsOverrideTheDefault() throws {
        let c = try ConfigLoader.decode(PushGatewayConfig.self, yaml: "job_ttls:\n  a: 2m\n  b: 0s\n")
        let p = TTLPolicy(defaultTTL: .seconds(30), config: c)
        #expect(p.seconds(job: "a") == 120)
        #expect(p.seconds(job: "b") == nil)  // 0s: forever, whatever the default
        #expect(p.seconds(job: "other") == 30)
        #expect(p.checkInterval == .seconds(3))
        #expect(TTLPolicy(defaultTTL: .zero).anyTTL == false)
        #expect(TTLPolicy(defaultTTL: .milliseconds(200)).checkInterval == .milliseconds(100))
        #expect(try ConfigLoader.decode(PushGatewayConfig.self, yaml: "").jobTTLs.isEmpty)
    }

    @Test func errorsNameTheKey() {
        for (yaml, words) in [
            ("job_ttl:\n  a: 2m\n", "unknown key"),
            ("job_ttls:\n  a: soon\n", "invalid duration \"soon\""),
            ("job_ttls: [a]\n", "job_ttls"),
        ] {
            do {
                _ = try ConfigLoader.decode(PushGatewayConfig.self, yaml: yaml, file: "pg.yml")
                Issue.record("accepted: \(yaml)")
            } catch {
                #expect("\(error)".contains(words), "\(error)")
            }
        }
    }
}
