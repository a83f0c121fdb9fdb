import ExporterKit
import Testing

@testable import LagExporter

@Suite struct LagConfigTests {
    func error(_ yaml: String) -> String {
        do {
            _ = try ConfigLoader.decode(LagExporterConfig.self, yaml: yaml, file: "l.yml")
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func defaultsAreBurrows() throws {
        let c = try ConfigLoader.decode(
            LagExporterConfig.self, yaml: "clusters:\n  - name: a\n    bootstrap: [k:9092]\n", file: "l.yml")
        let a = c.clusters[0]
        #expect(a.source == .offsetsTopic && a.offsetsTopic == "__consumer_offsets")
        #expect(a.evaluator.intervals == 10 && a.evaluator.allowedLag == 0 && a.evaluator.minimumComplete == 0)
        #expect(a.evaluator.expireGroup.duration == .seconds(604_800))
        #expect(a.offsetRefresh.duration == .seconds(10) && a.topicRefresh.duration == .seconds(60))
        #expect(a.granularity == .partition && !a.burrowCompatMetrics && a.lagSeconds.mode == .interpolate)
    }

    @Test func fullClusterWithSCRAM() throws {
        let c = try ConfigLoader.decode(
            LagExporterConfig.self,
            yaml: """
                clusters:
                  - name: ccs
                    bootstrap: [a:9093, b:9093]
                    sasl: {mechanism: SCRAM-SHA-512, username: burrow, password: secret}
                    source: auto
                    evaluator: {intervals: 5, min_distance: 1s, expire_group: 1d, allowed_lag: 1, minimum_complete: 0.5}
                    groups: {allow: "^app-", deny: "-test$"}
                    granularity: topic
                    lag_seconds: {mode: exact, exact_budget: 10}
                    burrow_compat_metrics: true
                  - name: setzer
                    bootstrap: [c:9092]
                """, file: "l.yml")
        #expect(c.clusters.map(\.name) == ["ccs", "setzer"])
        let a = c.clusters[0]
        #expect(a.source == .auto && a.evaluator.intervals == 5 && a.evaluator.allowedLag == 1)
        #expect(a.groups.keeps("app-x") && !a.groups.keeps("app-test") && !a.groups.keeps("other"))
        #expect(a.granularity == .topic && a.lagSeconds.exactBudget == 10 && a.burrowCompatMetrics)
    }

    @Test func errorsNameTheKey() {
        let base = "clusters:\n  - name: a\n    bootstrap: [k:1]\n"
        #expect(error(base + "    source: topic\n").contains("clusters[0].source"))
        #expect(error(base + "    evaluator: {intervals: 0}\n").contains("clusters[0].evaluator.intervals"))
        #expect(error(base + "    evaluator: {minimum_complete: 2}\n").contains("minimum_complete"))
        #expect(error(base + "    evaluator: {allowed_lag: -1}\n").contains("allowed_lag"))
        #expect(error(base + "    evaluator: {bogus: 1}\n").contains("bogus"))
        #expect(error(base + "    groups: {allow: '('}\n").contains("clusters[0].groups.allow"))
        #expect(error(base + "    offset_refresh: 1ms\n").contains("offset_refresh"))
        #expect(error(base + "    granularity: group\n").contains("granularity"))
        #expect(error(base + "    lag_seconds: {mode: guess}\n").contains("lag_seconds.mode"))
        #expect(error(base + "    unknown_key: 1\n").contains("unknown_key"))
        #expect(error(base + "  - name: a\n    bootstrap: [k:2]\n").contains("duplicate cluster name"))
        #expect(error("clusters: []\n").contains("at least one cluster"))
    }
}
