import ExporterKit
import Foundation
import TestSupport
import Testing

@testable import ClusterExporter

@Suite struct ConfigTests {
    func decode(_ yaml: String) throws(ConfigError) -> ClusterExporterConfig {
        try ConfigLoader.decode(ClusterExporterConfig.self, yaml: yaml, file: "c.yml")
    }

    func error(_ yaml: String) -> String {
        do {
            _ = try decode(yaml)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func topicFilter() throws {
        let c = try decode("clusters:\n  - name: a\n    bootstrap: [k:1]\n    topics: {allow: '^app-', deny: 'tmp'}\n")
        #expect(c.clusters[0].topics.keeps("app-x") && !c.clusters[0].topics.keeps("app-tmp"))
        #expect(!c.clusters[0].topics.keeps("other"))
        #expect(
            error("clusters:\n  - name: a\n    bootstrap: [k:1]\n    topics: {deny: '['}\n").contains(
                "clusters[0].topics.deny"))
    }

    @Test func fullConfig() throws {
        let c = try decode(
            """
            clusters:
              - name: prod
                bootstrap: [a:9092, b:9092]
                client_id: mon
                timeouts: {connect: 2s, request: 5s}
                scrape_timeout: 20s
                log_dirs: {topic_detail: true}
              - name: old
                bootstrap: c:9092
                sidecar: {log_dirs: [/data/a, /data/b], broker_id: 3}
            """)
        #expect(c.clusters.map(\.name) == ["prod", "old"])
        #expect(c.clusters[0].connection.bootstrap.count == 2)
        #expect(c.clusters[0].connection.clientId == "mon")
        #expect(c.clusters[0].scrapeTimeout.duration == .seconds(20))
        #expect(c.clusters[0].logDirs.topicDetail)
        #expect(c.clusters[0].sidecar == nil)
        #expect(c.clusters[1].sidecar == SidecarConfig(logDirs: ["/data/a", "/data/b"], brokerId: "3"))
        #expect(c.clusters[1].scrapeTimeout.duration == .seconds(10))
    }

    @Test func errorsNameKeyPaths() {
        #expect(
            error("clusters:\n  - name: a\n    bootstrap: [x:1]\n    bootstrp: 1\n").contains(
                "clusters[0].bootstrp: unknown key"))
        #expect(
            error("clusters:\n  - name: a\n    bootstrap: [x:1]\n    log_dirs: {topic_details: true}\n").contains(
                "clusters[0].log_dirs.topic_details: unknown key"))
        #expect(
            error("clusters:\n  - name: a\n    bootstrap: [x:1]\n  - name: a\n    bootstrap: [y:1]\n").contains(
                "clusters[1].name: duplicate cluster name \"a\""))
        #expect(
            error("clusters:\n  - name: a\n    bootstrap: [nope]\n").contains(
                "clusters[0].bootstrap[0]: invalid broker address"))
        #expect(error("clusters:\n  - bootstrap: [x:1]\n").contains("clusters[0].name: required key is missing"))
        #expect(
            error("clusters:\n  - name: a\n    bootstrap: [x:1]\n    sidecar: {}\n").contains(
                "clusters[0].sidecar.log_dirs: give log_dirs or server_properties"))
        #expect(
            error("clusters:\n  - name: a\n    bootstrap: [x:1]\n    sidecar: {log_dirs: [rel]}\n").contains(
                "clusters[0].sidecar.log_dirs[0]: must be an absolute path"))
        #expect(
            error("clusters:\n  - name: a\n    bootstrap: [x:1]\n    scrape_timeout: 0s\n").contains(
                "clusters[0].scrape_timeout"))
        #expect(error("clusters: []\n").contains("clusters: at least one cluster is required"))
        #expect(error("clusterz: []\n").contains("clusterz: unknown key"))
    }

    @Test func exampleConfigIsValid() throws {
        let path = packageRoot() + "/examples/cluster-exporter.yml"
        let c = try ConfigLoader.load(ClusterExporterConfig.self, path: path)
        #expect(!c.clusters.isEmpty)
    }

    @Test func serverProperties() {
        let p = ServerProperties(parsing: "# c\nnode.id=4\nlog.dirs = /a, /b\nlog.dir=/ignored\n")
        #expect(p.logDirs == ["/a", "/b"])
        #expect(p.brokerId == "4")
        #expect(ServerProperties(parsing: "broker.id: 2\nlog.dir=/x\n").logDirs == ["/x"])
        #expect(ServerProperties(parsing: "").logDirs == ["/tmp/kafka-logs"])
    }
}

/// The built `cluster-exporter` binary (built by `swift build --build-tests`).
func exporterBinary() throws -> String {
    for dir in ["debug", "release"] {
        let p = packageRoot() + "/.build/\(dir)/cluster-exporter"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    throw TestFailure("cluster-exporter is not built (run swift build --build-tests)")
}

@Suite struct CheckConfigCommandTests {
    @Test func exitCodes() async throws {
        let dir = try temporaryDirectory("ce-check")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = dir + "/good.yml"
        let bad = dir + "/bad.yml"
        try writeFile(good, "clusters:\n  - name: a\n    bootstrap: [127.0.0.1:1]\n")
        try writeFile(
            bad, "clusters:\n  - name: a\n    bootstrap: [127.0.0.1:1]\n    log_dirs: {topic_detail: maybe}\n")
        let bin = try exporterBinary()
        let ok = try await offPool { try runToolStatus(bin, ["check-config", "--config.file", good], timeout: 30) }
        #expect(ok.status == 0, "\(ok.output)")
        let failed = try await offPool { try runToolStatus(bin, ["check-config", "--config.file", bad], timeout: 30) }
        #expect(failed.status != 0)
        #expect(failed.output.contains("clusters[0].log_dirs.topic_detail"), "\(failed.output)")
        let missing = try await offPool {
            try runToolStatus(bin, ["check-config", "--config.file", dir + "/absent.yml"], timeout: 30)
        }
        #expect(missing.status != 0)
    }
}
