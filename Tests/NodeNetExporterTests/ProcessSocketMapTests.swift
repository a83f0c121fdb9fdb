import ExporterKit
import Foundation
import Testing

@testable import NodeNetExporter

@Test func javaProcessesAreNamedByMainClass() {
    #expect(ProcessNameFilter.processName(comm: "java", cmdline: ["java", "-Xmx1g", "kafka.Kafka", "s.p"]) == "kafka")
    #expect(
        ProcessNameFilter.processName(
            comm: "java", cmdline: ["java", "org.apache.zookeeper.server.quorum.QuorumPeerMain", "z.cfg"])
            == "zookeeper")
    #expect(ProcessNameFilter.processName(comm: "java", cmdline: ["java", "-jar", "x.jar"]) == "java")
    #expect(ProcessNameFilter.processName(comm: "nginx", cmdline: []) == "nginx")
}

@Test func nameFilterIsAFullMatchAndRejectsBadRegex() throws {
    let f = try ProcessNameFilter(pattern: "kafka|zookeeper")
    #expect(f.matches("kafka") && f.matches("zookeeper") && !f.matches("kafka-connect"))
    #expect(throws: ConfigError.self) { try ProcessNameFilter(pattern: "(unclosed") }
}

/// Attributes a socket this test process owns, through the real /proc.
@Test func mapsOwnListeningSocketToThisProcess() throws {
    liveSocketLock.lock()
    defer { liveSocketLock.unlock() }
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #expect(fd >= 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    #expect(bound == 0)
    #expect(listen(fd, 8) == 0)
    var st = stat()
    #expect(fstat(fd, &st) == 0)
    let comm = try ProcFileReader.readString(path: "/proc/self/comm").trimmingCharacters(in: .newlines)
    let filter = try ProcessNameFilter(pattern: NSRegularExpression.escapedPattern(for: comm))
    let map = ProcessSocketMap(procfs: "/proc", filter: filter, maxAge: .seconds(60))
    let snapshot = map.snapshot()
    #expect(snapshot.inodeToProcess[UInt64(st.st_ino)] == comm)
    #expect((snapshot.processes[comm] ?? 0) >= 1)
    // Within maxAge the cached map is reused.
    #expect(map.snapshot().walkedAt == snapshot.walkedAt)
}
