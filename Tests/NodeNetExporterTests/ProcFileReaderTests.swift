import ExporterKit
import Testing

@testable import NodeNetExporter

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Writes `bytes` to a fresh temp file and returns its path.
private func makeTempFile(_ bytes: [UInt8]) throws -> String {
    var template = Array("/tmp/procnet-test-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
    try #require(fd >= 0)
    defer { close(fd) }
    var written = 0
    while written < bytes.count {
        let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        try #require(n > 0)
        written += n
    }
    return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

private func chunks(of path: String, chunkSize: Int, reader: ProcFileReader) throws -> [[UInt8]] {
    var result: [[UInt8]] = []
    try reader.forEachLineChunk(path: path, chunkSize: chunkSize) { result.append(Array($0)) }
    return result
}

@Test func missingFileThrowsWithErrno() {
    let reader = ProcFileReader()
    do {
        try reader.withContents(path: "/nonexistent/procnet") { _ in }
        Issue.record("expected an error")
    } catch let error as ProcFileError {
        #expect(error.errno == ENOENT)
        #expect(error.description == "open /nonexistent/procnet: No such file or directory")
    } catch {
        Issue.record("unexpected \(error)")
    }
    #expect(throws: ProcFileError.self) { try ProcFileReader.readString(path: "/nonexistent/procnet") }
}

@Test(arguments: [true, false])
func regularFileWholeAndChunked(trailingNewline: Bool) throws {
    var content: [UInt8] = []
    for i in 0..<5000 { content += Array("line \(i) \(String(repeating: "x", count: i % 97))\n".utf8) }
    content += Array(String(repeating: "L", count: 20_000).utf8) + [0x0A]  // longer than the chunk
    content += Array("last line".utf8)
    if trailingNewline { content.append(0x0A) }
    let path = try makeTempFile(content)
    defer { unlink(path) }

    let reader = ProcFileReader(initialCapacity: 16)  // forces repeated growth
    let whole = try reader.withContents(path: path) { Array($0) }
    #expect(whole == content)
    #expect(reader.bufferCapacity >= content.count)

    for chunkSize in [64, 1000, 256 << 10] {
        let parts = try chunks(of: path, chunkSize: chunkSize, reader: ProcFileReader(initialCapacity: 16))
        #expect(parts.flatMap { $0 } == content)
        #expect(parts.dropLast().allSatisfy { $0.last == 0x0A })
        #expect(!parts.contains { $0.isEmpty })
    }
    // The same reader can be reused for a smaller file afterwards.
    #expect(try reader.withContents(path: path) { $0.count } == content.count)
}

@Test func smallProcFilesAsString() throws {
    let stat = try ProcFileReader.readString(path: "/proc/self/stat")
    #expect(stat.hasPrefix("\(getpid()) ("))
    let comm = try ProcFileReader.readString(path: "/proc/self/comm")
    #expect(comm.hasSuffix("\n") && comm.count > 1)
}

@Test func procSelfMapsIsReadCompletely() throws {
    let reader = ProcFileReader(initialCapacity: 4096)
    let maps = try reader.withContents(path: "/proc/self/maps") { Array($0) }
    #expect(maps.count > 4096, "a Swift test binary maps far more than one page of text")
    #expect(maps.last == 0x0A)
}

// MARK: - Real /proc/net/tcp with thousands of loopback connections

private func loopbackAddress(port: UInt16 = 0) -> sockaddr_in {
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    return addr
}

private func withSockaddr<R>(_ addr: inout sockaddr_in, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
    withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}

/// Reads like `cat`: a plain 4 KiB read(2) loop. Also reports the largest single read.
private func plainRead(_ path: String) throws -> (bytes: [UInt8], largestRead: Int) {
    let fd = open(path, O_RDONLY)
    try #require(fd >= 0)
    defer { close(fd) }
    var out: [UInt8] = []
    var largest = 0
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        try #require(n >= 0)
        if n == 0 { break }
        largest = max(largest, n)
        out += buffer[0..<n]
    }
    return (out, largest)
}

private struct Key: Hashable { let local: UInt16, remote: UInt16, inode: UInt64 }

@Test func procNetTCPWithTwoThousandLoopbackConnections() throws {
    liveSocketLock.lock()
    defer { liveSocketLock.unlock() }
    let connections = 2000
    var fds: [Int32] = []
    defer { for fd in fds { close(fd) } }

    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    try #require(listener >= 0)
    fds.append(listener)
    var addr = loopbackAddress()
    try #require(withSockaddr(&addr) { bind(listener, $0, $1) } == 0)
    try #require(listen(listener, 4096) == 0)
    var bound = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &bound) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
    }
    let port = UInt16(bigEndian: bound.sin_port)

    for _ in 0..<connections {
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(client >= 0)
        fds.append(client)
        var target = loopbackAddress(port: port)
        try #require(withSockaddr(&target) { connect(client, $0, $1) } == 0)
        let server = accept(listener, nil, nil)
        try #require(server >= 0)
        fds.append(server)
    }

    func ours(_ row: TCPSocketRow) -> Bool {
        row.tcpState == .established && (row.localPort == port || row.remotePort == port)
            && row.localAddress.isLoopback && row.remoteAddress.isLoopback
    }

    let reader = ProcFileReader(initialCapacity: 4096)
    var wholeStats = ProcNetParseStats()
    var whole = Set<Key>()
    var listenerRow: TCPSocketRow?
    let total = try reader.withContents(path: "/proc/net/tcp") { bytes in
        ProcNetTCP.parse(bytes, ipv6: false, stats: &wholeStats) { row in
            if ours(row) { whole.insert(Key(local: row.localPort, remote: row.remotePort, inode: row.inode)) }
            if row.tcpState == .listen && row.localPort == port { listenerRow = row }
        }
        return bytes.count
    }
    #expect(total > connections * 2 * 150, "far more than the 4 KB Foundation would return")
    #expect(total % 150 == 0, "IPv4 rows are padded to 149 columns + newline")
    #expect(wholeStats.errors == 0, "\(wholeStats.firstError ?? "")")
    #expect(whole.count == connections * 2)
    #expect(listenerRow?.localAddress.description == "127.0.0.1")
    #expect(listenerRow?.rxQueue == 0, "every connection was accepted")

    // cat-style reading gives the same file, one page-sized record batch per read(2).
    let plain = try plainRead("/proc/net/tcp")
    #expect(plain.largestRead < plain.bytes.count)
    let plainRows = ProcNetTCP.parse(String(decoding: plain.bytes, as: UTF8.self), ipv6: false)
    #expect(
        Set(plainRows.rows.filter(ours).map { Key(local: $0.localPort, remote: $0.remotePort, inode: $0.inode) })
            == whole)

    // The chunked reader yields exactly the same rows, at several chunk sizes.
    for chunkSize in [4096, 64 << 10, 256 << 10] {
        var stats = ProcNetParseStats()
        var chunked = Set<Key>()
        try reader.forEachLineChunk(path: "/proc/net/tcp", chunkSize: chunkSize) { chunk in
            ProcNetTCP.parse(chunk, ipv6: false, stats: &stats) { row in
                if ours(row) { chunked.insert(Key(local: row.localPort, remote: row.remotePort, inode: row.inode)) }
            }
        }
        #expect(stats.errors == 0)
        #expect(chunked == whole)
    }

    // The kernel lists sockets page by page, not atomically: another test opening or closing a
    // socket between two read(2)s can repeat or skip a row. Count distinct rows, and allow a
    // re-read for such churn.
    var scanned = Set<Key>()
    var scanStats = ProcNetParseStats()
    for _ in 0..<3 where scanned.count != connections * 2 {
        scanned.removeAll()
        scanStats = ProcNetParseStats()
        try ProcNetTCP.scan(path: "/proc/net/tcp", ipv6: false, reader: reader, stats: &scanStats) {
            if ours($0) { scanned.insert(Key(local: $0.localPort, remote: $0.remotePort, inode: $0.inode)) }
        }
    }
    #expect(scanned.count == connections * 2 && scanStats.errors == 0)
}

@Test func procNetTCP6ParsesCleanly() throws {
    liveSocketLock.lock()
    defer { liveSocketLock.unlock() }
    // Open a few ::1 connections when IPv6 loopback exists, so the file has rows.
    var fds: [Int32] = []
    defer { for fd in fds { close(fd) } }
    var port: UInt16 = 0
    let listener = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
    if listener >= 0 {
        fds.append(listener)
        var addr = sockaddr_in6()
        addr.sin6_family = sa_family_t(AF_INET6)
        addr.sin6_addr = in6addr_loopback
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 64) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        if ok {
            port = UInt16(bigEndian: addr.sin6_port)
            for _ in 0..<10 {
                let client = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
                guard client >= 0 else { break }
                fds.append(client)
                let connected = withUnsafePointer(to: &addr) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) == 0 }
                }
                if connected { fds.append(accept(listener, nil, nil)) }
            }
        }
    }
    let reader = ProcFileReader()
    var stats = ProcNetParseStats()
    var loopbackRows = 0
    try reader.withContents(path: "/proc/net/tcp6") { bytes in
        ProcNetTCP.parse(bytes, ipv6: true, stats: &stats) { row in
            if port != 0 && (row.localPort == port || row.remotePort == port) {
                #expect(row.localAddress.description == "::1" && row.localAddress.isLoopback)
                loopbackRows += 1
            }
        }
    }
    #expect(stats.errors == 0, "\(stats.firstError ?? "")")
    if port != 0 { #expect(loopbackRows == 21) }
}
