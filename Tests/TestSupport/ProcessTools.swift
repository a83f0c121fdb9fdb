import Foundation

// Helpers shared by the test targets that run real processes (the Kafka test broker, tools).
// Blocking work runs off Swift's cooperative pool, and no wait is unbounded.

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Runs blocking work (child processes, sleeps) on its own thread: the cooperative pool has
/// only as many threads as cores, and blocking it would stall every other test.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        Thread { c.resume(with: Result { try body() }) }.start()
    }
}

public struct ToolResult: Sendable {
    public var status: Int32
    /// stdout and stderr, interleaved.
    public var output: String
}

/// Runs a tool to completion (bounded), returning its exit status and output. Polls
/// `isRunning`: Foundation's `waitUntilExit` busy-spins on a cooperative-pool thread on Linux.
public func runToolStatus(_ path: String, _ args: [String], stdin: String? = nil, timeout: TimeInterval = 60) throws
    -> ToolResult
{
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    let input = Pipe()
    p.standardInput = stdin == nil ? FileHandle.nullDevice : input
    try p.run()
    if let stdin {
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
    }
    let killer = DispatchWorkItem { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let deadline = Date().addingTimeInterval(10)
    while p.isRunning && Date() < deadline { usleep(5_000) }
    killer.cancel()
    if p.isRunning {
        kill(p.processIdentifier, SIGKILL)
        throw TestFailure("\(path) did not exit")
    }
    return ToolResult(status: p.terminationStatus, output: String(decoding: data, as: UTF8.self))
}

/// `runToolStatus` that throws (with the output) unless the tool exits 0.
public func runTool(_ path: String, _ args: [String], stdin: String? = nil, timeout: TimeInterval = 60) throws
    -> String
{
    let r = try runToolStatus(path, args, stdin: stdin, timeout: timeout)
    guard r.status == 0 else {
        throw TestFailure("\(path) \(args.joined(separator: " ")) exited \(r.status): \(r.output)")
    }
    return r.output
}

/// Stops a child and waits for it, bounded; `grace` lets it exit on its own first. Children
/// spawned from the test runner inherit a blocked SIGTERM, so servers are usually SIGKILLed.
public func stopProcess(_ p: Process, signal: Int32, grace: Duration = .zero) {
    let clock = ContinuousClock()
    let graceEnd = clock.now + grace
    while p.isRunning && clock.now < graceEnd { usleep(5_000) }
    guard p.isRunning else { return }
    kill(p.processIdentifier, signal)
    let deadline = clock.now + .seconds(5)
    while p.isRunning && clock.now < deadline { usleep(5_000) }
    if p.isRunning { kill(p.processIdentifier, SIGKILL) }
}

/// A port the kernel hands out for an ephemeral bind, released again (racy but fine on loopback).
public func freePort() throws -> Int {
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

/// Polls until something accepts on 127.0.0.1:port.
public func waitForPort(_ port: Int, timeout: TimeInterval) throws {
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

/// The repository root (for examples/ and test peers).
public func packageRoot() -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}
