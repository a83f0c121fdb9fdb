import Testing

@testable import ExporterKit

/// A small config shaped like the exporters' own (a list of mappings) to check key paths with indices.
private struct Root: Decodable, Equatable {
    var clusters: [Cluster]
    var debug: Bool

    enum CodingKeys: String, CodingKey, CaseIterable {
        case clusters
        case debug
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        clusters = try c.decodeIfPresent([Cluster].self, forKey: .clusters) ?? []
        debug = try c.decodeIfPresent(Bool.self, forKey: .debug) ?? false
    }
}

private struct Cluster: Decodable, Equatable {
    var name: String
    var port: Int

    init(name: String, port: Int) {
        self.name = name
        self.port = port
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name
        case port
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        port = try c.decode(Int.self, forKey: .port)
        if port <= 0 { throw decoder.invalid(CodingKeys.port, "must be positive") }
    }
}

private func decodeError(_ yaml: String) -> ConfigError? {
    do {
        _ = try ConfigLoader.decode(Root.self, yaml: yaml, file: "c.yml")
        return nil
    } catch {
        return error
    }
}

@Test func decodesValidConfig() throws {
    let root = try ConfigLoader.decode(
        Root.self, yaml: "clusters:\n  - name: a\n    port: 9092\n  - {name: b, port: 9093}\ndebug: true\n")
    #expect(root.clusters == [Cluster(name: "a", port: 9092), Cluster(name: "b", port: 9093)])
    #expect(root.debug)
}

@Test func unknownKeyInListElementNamesIndexedPath() throws {
    let e = try #require(decodeError("clusters:\n  - name: a\n    port: 1\n  - name: b\n    prot: 2\n"))
    #expect(e.keyPath == "clusters[1].prot")
    #expect(e.file == "c.yml")
    #expect(e.message.contains("unknown key"))
    #expect(e.message.contains("name, port"))
    #expect(e.description.hasPrefix("c.yml: clusters[1].prot: unknown key"))
}

@Test func unknownTopLevelKey() throws {
    let e = try #require(decodeError("cluster: []\n"))
    #expect(e.keyPath == "cluster")
    #expect(e.message == "unknown key (expected one of: clusters, debug)")
}

@Test func missingRequiredKey() throws {
    let e = try #require(decodeError("clusters:\n  - name: a\n"))
    #expect(e.keyPath == "clusters[0].port")
    #expect(e.message == "required key is missing")
}

@Test func wrongTypes() throws {
    let port = try #require(decodeError("clusters:\n  - name: a\n    port: many\n"))
    #expect(port.keyPath == "clusters[0].port")
    #expect(port.message == "expected an integer")
    let debug = try #require(decodeError("debug: perhaps\n"))
    #expect(debug.keyPath == "debug")
    #expect(debug.message == "expected true or false")
    let list = try #require(decodeError("clusters: {name: a}\n"))
    #expect(list.keyPath == "clusters")
    // Yams reports the node type (`Node.Sequence`), which typeName() renders as "a mapping (Sequence)".
    #expect(list.message == "expected a list")
}

@Test func validationErrorCarriesKeyPath() throws {
    let e = try #require(decodeError("clusters:\n  - name: a\n    port: 0\n"))
    #expect(e.keyPath == "clusters[0].port")
    #expect(e.message == "must be positive")
}

@Test func invalidYAML() throws {
    let e = try #require(decodeError("clusters: [unclosed\n"))
    #expect(e.keyPath == "")
    #expect(e.message.hasPrefix("invalid YAML"))
    #expect(e.file == "c.yml")
}

@Test(arguments: ["", "   \n\n", "\t\n"])
func emptyFileMeansDefaults(yaml: String) throws {
    let root = try ConfigLoader.decode(Root.self, yaml: yaml)
    #expect(root.clusters.isEmpty)
    #expect(!root.debug)
}

@Test func commentOnlyFileMeansDefaults() throws {
    // A file whose settings are all commented out is as empty as an empty one.
    let root = try ConfigLoader.decode(Root.self, yaml: "# debug: true\n")
    #expect(root.clusters.isEmpty)
}

@Test func loadReadsFileAndNamesItInErrors() throws {
    let dir = try TempDir()
    let good = try dir.write("good.yml", "debug: true\n")
    #expect(try ConfigLoader.load(Root.self, path: good).debug)
    let bad = try dir.write("bad.yml", "debugg: true\n")
    #expect(
        throws: ConfigError(file: bad, keyPath: "debugg", message: "unknown key (expected one of: clusters, debug)")
    ) {
        try ConfigLoader.load(Root.self, path: bad)
    }
}

@Test func missingFileIsAConfigError() throws {
    do {
        _ = try ConfigLoader.load(Root.self, path: "/nonexistent/dir/x.yml")
        Issue.record("expected an error")
    } catch {
        #expect(error.file == "/nonexistent/dir/x.yml")
        #expect(error.message.hasPrefix("cannot read"))
        #expect(error.message.contains("No such file or directory"))
    }
}

@Test func keyPathRendering() {
    #expect(ConfigError.keyPath([]) == "")
    #expect(
        ConfigError.keyPath([
            AnyCodingKey(stringValue: "a"), AnyCodingKey(intValue: 2)!, AnyCodingKey(stringValue: "b"),
            AnyCodingKey(intValue: 0)!,
        ]) == "a[2].b[0]")
    #expect(ConfigError.keyPath([AnyCodingKey(intValue: 3)!, AnyCodingKey(stringValue: "x")]) == "[3].x")
}

@Test func configErrorDescription() {
    #expect(ConfigError(file: "f", keyPath: "a.b", message: "m").description == "f: a.b: m")
    #expect(ConfigError(keyPath: "a.b", message: "m").description == "a.b: m")
    #expect(ConfigError(file: "f", keyPath: "", message: "m").description == "f: m")
    #expect(ConfigError(keyPath: "", message: "m").description == "m")
}
