import ExporterKit
import Foundation
import Testing

@testable import PushGateway

@Suite struct PersistenceTests {
    func sampleGroups() -> [Group] {
        let store = MetricStore()
        let body = try! TextFormatParser.parse(
            Array(
                """
                # HELP h Latency.
                # TYPE h histogram
                h_bucket{le="0.5",x="a\\"b"} 1
                h_bucket{le="+Inf",x="a\\"b"} 2
                h_sum{x="a\\"b"} NaN
                h_count{x="a\\"b"} 2
                # TYPE s summary
                s{quantile="0.99"} -Inf
                s_sum 1
                s_count 1
                g 1e300

                """.utf8))
        _ = store.push(
            key: GroupingKey(job: "j/x", labels: ["instance": ""]), families: body.families, hasTimestamps: false,
            method: .put, now: 1_700_000_000.25)
        _ = store.push(
            key: GroupingKey(job: "failed", labels: [:]), families: [:], hasTimestamps: true, method: .put, now: 5)
        return store.groups.sorted { $0.key < $1.key }
    }

    /// Equality that treats NaN as equal to NaN (the histogram sum above).
    func text(_ groups: [Group]) -> String {
        TextEncoder.encodeString(Exposition.merge(groups: groups, own: []))
    }

    @Test func roundTripKeepsEverythingIncludingSpecialValuesAndTimes() throws {
        let groups = sampleGroups()
        let back = try PersistenceFile.decode(try PersistenceFile.encode(groups)).sorted { $0.key < $1.key }
        #expect(text(back) == text(groups))
        #expect(back.map(\.pushTime) == groups.map(\.pushTime))
        #expect(back.map(\.failureTime) == groups.map(\.failureTime))
        #expect(back.map(\.ttlStart) == groups.map(\.ttlStart))
        #expect(text(back).contains("h_sum{instance=\"\",job=\"j/x\",x=\"a\\\"b\"} NaN"))
    }

    @Test func writeIsAtomicAndLoadMovesACorruptFileAside() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pgw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("state.json").path
        guard case .none = PersistenceFile.load(from: path, now: 1) else {
            Issue.record("a missing file is not an error")
            return
        }
        try PersistenceFile.write(sampleGroups(), to: path)
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
        guard case .groups(let g) = PersistenceFile.load(from: path, now: 1) else {
            Issue.record("written file does not load")
            return
        }
        #expect(g.count == 2)
        for junk in ["{\"format\":\"push-gateway/1\",\"groups\":[{", "{\"format\":\"other/9\",\"groups\":[]}", ""] {
            try Data(junk.utf8).write(to: URL(fileURLWithPath: path))
            guard case .corrupt(let reason, let moved) = PersistenceFile.load(from: path, now: 42) else {
                Issue.record("accepted: \(junk)")
                continue
            }
            #expect(!reason.isEmpty)
            #expect(moved == path + ".corrupt-42")
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect((try? String(contentsOfFile: path + ".corrupt-42", encoding: .utf8)) == junk)
            try FileManager.default.removeItem(atPath: path + ".corrupt-42")
        }
    }
}
