import Foundation
import TestSupport
import Testing

/// Issue 11's fuzz smoke without a sanitizer build: every committed fuzz input (Fuzz/corpus,
/// minimized with libFuzzer's -merge=1), the slow inputs kept in Fuzz/slow and any crash left in
/// Fuzz/crashes, replayed through the bodies the libFuzzer targets run (Bodies/, the same source
/// files). A trap in the parsers or a property a body checks (procnet: every counted row is
/// delivered) fails the test process; CrashNote names the input. Times are printed, never
/// asserted: this debug build on a shared machine says nothing about the 10 ms budget, which the
/// fuzzers' own slowest-input report tracks (docs/fuzzing.md).
@Suite(.serialized) struct FuzzCorpusReplayTests {
    static let fuzzDir = packageRoot() + "/Fuzz"

    @Test func everyCorpusDirectoryHasATarget() throws {
        let dirs = try FileManager.default.contentsOfDirectory(atPath: Self.fuzzDir + "/corpus")
        #expect(Set(dirs) == Set(FuzzTarget.all.map(\.name)))
    }

    @Test(arguments: FuzzTarget.all) func replay(_ target: FuzzTarget) throws {
        let corpus = try Self.files(in: Self.fuzzDir + "/corpus/" + target.name)
        try #require(!corpus.isEmpty, "Fuzz/corpus/\(target.name) is missing or empty")
        let slow = try Self.files(in: Self.fuzzDir + "/slow", prefix: target.name + "-")
        let crashes = try Self.files(in: Self.fuzzDir + "/crashes", prefix: target.name + "-")

        var slowest: (ms: Double, path: String) = (0, "")
        let clock = ContinuousClock()
        try CrashNote.whileReplaying {
            for path in corpus + slow + crashes {
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
                CrashNote.set(path)
                let elapsed = clock.measure { bytes.withUnsafeBufferPointer { target.body($0) } }
                let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3
                if ms > slowest.ms { slowest = (ms, path) }
            }
        }
        let shortPath = slowest.path.replacingOccurrences(of: packageRoot() + "/", with: "")
        print(
            "fuzz replay \(target.name): \(corpus.count + slow.count + crashes.count) inputs replayed"
                + " (corpus \(corpus.count), slow \(slow.count), crashes \(crashes.count)),"
                + " slowest \(String(format: "%.2f", slowest.ms)) ms (\(shortPath))")
    }

    /// Regular files in `dir` whose name starts with `prefix`, sorted; none when `dir` does not
    /// exist (Fuzz/crashes only exists after a fuzzer found something).
    static func files(in dir: String, prefix: String = "") throws -> [String] {
        guard FileManager.default.fileExists(atPath: dir) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: dir)
            .filter { $0.hasPrefix(prefix) && !$0.hasPrefix(".") }
            .sorted()
            .map { dir + "/" + $0 }
    }
}
