import Foundation
import Testing

@testable import ExporterKit

/// Hostile or broken config files: no secret in any error, bounded work, no endless reads.
private struct SASLish: Decodable {
    var clusters: [Entry]

    struct Entry: Decodable {
        var name: String
        var sasl: SASL?
    }

    struct SASL: Decodable {
        var username: String?
        var password: String?
    }
}

private func error(decoding yaml: String) -> ConfigError? {
    do {
        _ = try ConfigLoader.decode(SASLish.self, yaml: yaml, file: "lag.yml")
        return nil
    } catch {
        return error
    }
}

@Test(arguments: [
    // A syntax error on the password's own line, block and flow style, quoted and not.
    "clusters:\n  - name: a\n    sasl:\n      username: monitor\n      password: hunter2-s3cret\n     bad: [\n",
    "clusters:\n  - name: a\n    sasl: {username: monitor, password: hunter2-s3cret\n",
    "clusters:\n  - name: a\n    sasl:\n      password: \"hunter2-s3cret\n",
    "clusters:\n  - name: a\n    sasl:\n      password: 'hunter2-s3cret' x: y\n",
    // A duplicate key: Yams' own message carries the whole file.
    "clusters:\n  - name: a\n    sasl:\n      password: hunter2-s3cret\n      password: hunter2-s3cret\n",
    // A tab where indentation is expected.
    "clusters:\n  - name: a\n    sasl:\n\tpassword: hunter2-s3cret\n",
])
func syntaxErrorsNeverQuoteASecret(yaml: String) throws {
    let e = try #require(error(decoding: yaml))
    #expect(!e.description.contains("hunter2"), "\(e)")
    #expect(e.description.contains("lag.yml"))
    #expect(e.description.contains("line "), "a syntax error still says where: \(e)")
}

@Test func scrubberFindsSecretsButNotLocators() {
    let s = SecretScrubber(
        yaml: """
            sasl: {mechanism: PLAIN, username: monitor, password: "p@ss: word", password_file: /run/pw}
            oauthbearer:
              client_secret: cs-123 # comment
              token_endpoint: https://idp/token
            basic_auth_users:
              prometheus: $2y$10$abcdefghijklmnopqrstuv.wxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01
            """)
    #expect(Set(s.secrets).isSuperset(of: ["p@ss: word", "cs-123"]))
    #expect(s.secrets.contains { $0.hasPrefix("$2y$10$") })
    #expect(!s.secrets.contains("/run/pw"))
    #expect(!s.secrets.contains("https://idp/token"))
    #expect(!s.secrets.contains("monitor"))
    #expect(s.scrub("x cs-123 y") == "x <secret> y")
}

@Test func aliasBombIsRefusedQuickly() throws {
    // Nine references per level, eight levels: 9^8 = 43 million nodes if expanded.
    var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
    for level in 1...8 {
        let refs = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ")
        yaml += "a\(level): &a\(level) [\(refs)]\n"
    }
    let started = ContinuousClock.now
    let e = try #require(error(decoding: yaml))
    #expect(e.description.contains("alias"), "\(e)")
    #expect(ContinuousClock.now - started < .seconds(5))
}

@Test func aliasBombInMappingKeysIsRefused() throws {
    // Aliased mappings as keys: Yams' duplicate-key check hashes each key in full.
    var yaml = "k0: &k0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9}\n"
    for level in 1...8 {
        let keys = (0..<9).map { "? *k\(level - 1)\n  : v\($0)" }.joined(separator: "\n  ")
        yaml += "k\(level): &k\(level)\n  \(keys)\n"
    }
    let e = try #require(error(decoding: yaml))
    #expect(e.description.contains("alias"), "\(e)")
}

@Test func ordinaryAliasesStillWork() throws {
    let yaml = """
        common: &sasl {username: monitor, password: pw}
        clusters:
          - {name: a, sasl: *sasl}
          - {name: b, sasl: *sasl}
        """
    struct WithCommon: Decodable {
        var common: SASLish.SASL
        var clusters: [SASLish.Entry]
    }
    let c = try ConfigLoader.decode(WithCommon.self, yaml: yaml)
    #expect(c.clusters.map(\.sasl?.username) == ["monitor", "monitor"])
}

@Test(arguments: ["/dev/zero", "/dev/null", "/tmp", "/proc/self/fd/0"])
func nonRegularFilesAreRefused(path: String) throws {
    #expect(throws: ConfigError.self) { try ConfigFileReader.load(path: path) }
}

@Test func oversizedFilesAreRefused() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID()).yml").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let line = "# " + String(repeating: "x", count: 1021) + "\n"
    try String(repeating: line, count: 1025).write(toFile: path, atomically: true, encoding: .utf8)
    do {
        _ = try ConfigFileReader.load(path: path)
        Issue.record("a 1 MiB + 1 KiB file was accepted")
    } catch {
        #expect(error.description.contains("larger than"), "\(error)")
    }
    try String(repeating: line, count: 1000).write(toFile: path, atomically: true, encoding: .utf8)
    #expect(try ConfigFileReader.load(path: path).utf8.count == 1_024_000)
}

@Test func aFileOfExactlyTheLimitIsAcceptedOneByteMoreIsNot() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("edge-\(UUID()).yml").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try String(repeating: "x", count: 8192).write(toFile: path, atomically: true, encoding: .utf8)
    #expect(try ConfigFileReader.load(path: path, maxBytes: 8192).utf8.count == 8192)
    #expect(throws: ConfigError.self) { try ConfigFileReader.load(path: path, maxBytes: 8191) }
}

/// /proc files are regular files whose stat size is 0: the read itself must go to the end of
/// the file, and enforce the limit, rather than trust the size.
@Test func aFileReportingNoSizeIsReadToItsEndAndStillLimited() throws {
    let maps = try ConfigFileReader.load(path: "/proc/self/maps")
    #expect(maps.utf8.count > 4096, "a Swift test binary maps far more than one page of text")
    #expect(maps.hasSuffix("\n"))
    do {
        _ = try ConfigFileReader.load(path: "/proc/self/maps", maxBytes: 2048)
        Issue.record("a 2 KiB limit let /proc/self/maps through")
    } catch {
        #expect(error.description.contains("larger than the 2 KiB"), "\(error)")
    }
}
