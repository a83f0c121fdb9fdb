import Testing

@testable import NodeNetExporter

#if canImport(Glibc)
    import Glibc
#endif

private typealias F = SockDiagFixture

@Test func decodesIPv4SocketWithTCPInfo() throws {
    let info = F.tcpInfo(
        retransmits: 2, lost: 3, retrans: 1, lastDataRecv: 61_000, rtt: 1500, rttvar: 250, totalRetrans: 17,
        deliveryRate: 12_500_000, bytesRetrans: 9000)
    let s = F.Socket(state: 1, timer: 1, retrans: 2, rqueue: 10, wqueue: 20, info: info)
    let out = try F.decode([F.socketMessage(s) + F.done()])
    #expect(out.done && out.stats.rows == 1 && out.stats.malformed == 0)
    let (row, decoded) = try #require(out.rows.first)
    #expect(row.localAddress == IPAddress16(parsing: "10.0.0.5"))
    #expect(row.remoteAddress == IPAddress16(parsing: "10.0.0.9"))
    #expect(row.localPort == 9092 && row.remotePort == 50000)
    #expect(row.state == 1 && row.timer == 1 && row.retransmits == 2)
    #expect(row.rxQueue == 10 && row.txQueue == 20 && row.uid == 1000 && row.inode == 4242)
    let i = try #require(decoded)
    #expect(i.length == 232 && i.retransmits == 2 && i.lost == 3 && i.retransOut == 1)
    #expect(i.lastDataReceivedMillis == 61_000 && i.rttMicros == 1500 && i.rttVarianceMicros == 250)
    #expect(i.totalRetransmits == 17 && i.deliveryRate == 12_500_000 && i.bytesRetransmitted == 9000)
}

@Test func decodesIPv6AndV4MappedAddresses() throws {
    let v6: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1]
    let mapped: [UInt8] = [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 127, 0, 0, 1]
    let s = F.Socket(family: UInt8(AF_INET6), source: v6, destination: mapped)
    let out = try F.decode([F.socketMessage(s), F.done()])
    let row = try #require(out.rows.first).0
    #expect(row.localAddress.description == "2001:db8::1")
    // v4-mapped compares equal to the IPv4 address, as in the /proc parser.
    #expect(row.remoteAddress == IPAddress16(parsing: "127.0.0.1"))
    #expect(out.rows.first?.1 == nil)
}

/// Older kernels return a shorter tcp_info: fields beyond it are absent, not garbage.
@Test(arguments: [(104, false, false), (160, false, false), (168, true, false), (216, true, true), (248, true, true)])
func decodesTCPInfoByTheLengthTheKernelReturns(length: Int, hasRate: Bool, hasBytesRetrans: Bool) throws {
    let info = F.tcpInfo(length: length, rtt: 800, totalRetrans: 5, deliveryRate: 1000, bytesRetrans: 77)
    let out = try F.decode([F.socketMessage(F.Socket(info: info)) + F.done()])
    let i = try #require(out.rows.first?.1)
    #expect(i.length == length && i.rttMicros == 800 && i.totalRetransmits == 5)
    #expect((i.deliveryRate != nil) == hasRate && (i.bytesRetransmitted != nil) == hasBytesRetrans)
    #expect(out.stats.malformed == 0)
}

@Test func shortTCPInfoIsCountedAndTheSocketKept() throws {
    let out = try F.decode([F.socketMessage(F.Socket(info: F.tcpInfo(length: 100))) + F.done()])
    #expect(out.stats.rows == 1 && out.stats.malformed == 1)
    #expect(out.rows.first?.1 == nil)
}

@Test func withoutTCPInfoRetransmitsComeOnlyWithTheRetransmitTimer() throws {
    // idiag_retrans holds keepalive / zero-window probe counts under the other timers.
    let probe = F.Socket(timer: 4, retrans: 3)
    let rto = F.Socket(timer: 1, retrans: 3)
    let out = try F.decode([F.socketMessage(probe) + F.socketMessage(rto) + F.done()])
    #expect(out.rows.map(\.0.retransmits) == [0, 3])
}

@Test func truncatedAndMalformedMessagesAreCountedNeverFatal() throws {
    let good = F.socketMessage(F.Socket())
    // A datagram cut inside a message: the length says more than is left.
    let cut = Array(good.prefix(40))
    // inet_diag_msg shorter than 72 bytes.
    let short = F.message(type: 20, sequence: 7, payload: [UInt8](repeating: 0, count: 30))
    // Unknown address family.
    var weird = F.Socket()
    weird.family = 99
    // Attribute whose length runs past the message; the socket itself is sound.
    var attr = F.diagMessage(F.Socket())
    attr += F.le16(400) + F.le16(2) + [UInt8](repeating: 0, count: 8)
    let badAttr = F.message(type: 20, sequence: 7, payload: attr)
    // Header length below the header size.
    let tiny = F.le32(8) + F.le16(20) + F.le16(0) + F.le32(7) + F.le32(0)
    let out = try F.decode([
        cut, good + short + F.socketMessage(weird) + badAttr, tiny + good, [1, 2, 3], good + F.done(),
    ])
    // Rows: good and badAttr's socket (kept without tcp_info), then the last good one; the one
    // after `tiny` is lost with the rest of its datagram, which cannot be framed.
    #expect(out.done)
    #expect(out.stats.rows == 3)
    #expect(out.stats.malformed == 6)
    #expect(out.stats.firstError != nil)
}

@Test func kernelErrorsFailTheDump() {
    let error = F.message(
        type: 2, sequence: 7, payload: F.le32(UInt32(bitPattern: -EPERM)) + [UInt8](repeating: 0, count: 16))
    #expect(throws: SockDiagError.kernel(errno: EPERM)) { try F.decode([error]) }
    // error 0 is an acknowledgement, not a failure.
    let ack = F.message(type: 2, sequence: 7, payload: F.le32(0) + [UInt8](repeating: 0, count: 16))
    #expect(throws: Never.self) { try F.decode([ack + F.done()]) }
}

@Test func messagesOfAnotherDumpAreSkippedAndInterruptionsCounted() throws {
    let stale = F.socketMessage(F.Socket(), sequence: 6) + F.done(sequence: 6)
    let out = try F.decode([stale, F.socketMessage(F.Socket()) + F.done(flags: 0x12)])
    #expect(out.done && out.stats.rows == 1 && out.stats.interrupted == 1 && out.stats.malformed == 0)
    // Marked on socket messages too (after the tables changed): still one interrupted dump.
    let marked = F.message(type: 20, flags: 0x12, sequence: 7, payload: F.diagMessage(F.Socket()))
    let again = try F.decode([marked + marked + F.done()])
    #expect(again.stats.rows == 2 && again.stats.interrupted == 1)
    #expect(try F.decode([F.socketMessage(F.Socket()) + F.done()]).stats.interrupted == 0)
}

@Test func randomSockDiagBytesNeverCrash() throws {
    var rng = SystemRandomNumberGenerator()
    let seed = F.socketMessage(F.Socket(info: F.tcpInfo())) + F.done()
    for _ in 0..<5000 {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
        }
        if Bool.random(using: &rng) { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))) }
        do {
            let out = try F.decode([bytes])
            #expect(out.stats.rows <= 1)
        } catch {
            // A flipped type byte can make an NLMSG_ERROR: a clean failure, not a crash.
            continue
        }
    }
}

@Test func requestFollowsTheKernelLayout() {
    let r = SockDiagSocket.request(family: AF_INET6, states: 0x0400, info: true, sequence: 9)
    #expect(r.count == 72)
    #expect(Array(r[0..<4]) == F.le32(72) && Array(r[4..<6]) == F.le16(20))
    #expect(Array(r[6..<8]) == F.le16(0x301) && Array(r[8..<12]) == F.le32(9))
    // inet_diag_req_v2: family, protocol, ext (bit INET_DIAG_INFO - 1), pad, states, zero sockid.
    #expect(r[16] == UInt8(AF_INET6) && r[17] == 6 && r[18] == 0x02 && r[19] == 0)
    #expect(Array(r[20..<24]) == F.le32(0x0400))
    #expect(r[24...].allSatisfy { $0 == 0 })
}
