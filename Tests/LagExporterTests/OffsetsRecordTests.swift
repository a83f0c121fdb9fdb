import KafkaWire
import Testing

@testable import LagExporter

/// Byte fixtures built field by field from the layouts in consumer-offsets.md.
enum Bytes {
    static func str(_ s: String) -> [UInt8] { i16(Int16(s.utf8.count)) + Array(s.utf8) }
    static func nullStr() -> [UInt8] { i16(-1) }
    static func i16(_ v: Int16) -> [UInt8] { [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
    static func i32(_ v: Int32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) } }
    static func i64(_ v: Int64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * $0)) } }
    static func bytes(_ b: [UInt8]) -> [UInt8] { i32(Int32(b.count)) + b }
    static func uvarint(_ v: Int) -> [UInt8] {
        var v = v
        var out: [UInt8] = []
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        return out + [UInt8(v)]
    }

    static func commitKey(type: Int16 = 1, _ g: String, _ t: String, _ p: Int32) -> [UInt8] {
        i16(type) + str(g) + str(t) + i32(p)
    }
}

@Test func offsetCommitValueVersions0Through3() throws {
    let key = Bytes.commitKey("billing", "orders", 7)
    let v0 = Bytes.i16(0) + Bytes.i64(42) + Bytes.str("m") + Bytes.i64(1000)
    let v1 = Bytes.i16(1) + Bytes.i64(42) + Bytes.str("m") + Bytes.i64(1000) + Bytes.i64(2000)
    let v2 = Bytes.i16(2) + Bytes.i64(42) + Bytes.str("m") + Bytes.i64(1000)
    let v3 = Bytes.i16(3) + Bytes.i64(42) + Bytes.i32(5) + Bytes.str("m") + Bytes.i64(1000)
    for (value, version, epoch, expire) in [(v0, 0, -1, -1), (v1, 1, -1, 2000), (v2, 2, -1, -1), (v3, 3, 5, -1)] {
        guard case .offsetCommit(let c) = try OffsetsRecord.decode(key: key, value: value) else {
            Issue.record("not an offset commit")
            continue
        }
        #expect(c.group == "billing" && c.topic == "orders" && c.partition == 7)
        let v = try #require(c.value)
        #expect(v.version == Int16(version) && v.offset == 42 && v.metadata == "m" && v.commitTimestamp == 1000)
        #expect(v.leaderEpoch == Int32(epoch) && v.expireTimestamp == Int64(expire) && v.topicId == nil)
    }
}

@Test func offsetCommitValueV4WithLongMetadataAndTopicId() throws {
    let metadata = String(repeating: "x", count: 200)
    // Compact string: uvarint(len + 1) = 201 = c9 01 (a one-byte reader breaks here).
    #expect(Bytes.uvarint(201) == [0xC9, 0x01])
    let topicId: [UInt8] = Array(1...16)
    let value =
        Bytes.i16(4) + Bytes.i64(99) + Bytes.i32(3) + Bytes.uvarint(201) + Array(metadata.utf8) + Bytes.i64(5000)
        + [1, 0, 16] + topicId
    guard case .offsetCommit(let c) = try OffsetsRecord.decode(key: Bytes.commitKey("g", "t", 0), value: value) else {
        Issue.record("not an offset commit")
        return
    }
    let v = try #require(c.value)
    #expect(
        v.version == 4 && v.offset == 99 && v.leaderEpoch == 3 && v.metadata == metadata && v.commitTimestamp == 5000)
    #expect(v.topicId == KafkaUUID(high: 0x0102_0304_0506_0708, low: 0x090A_0B0C_0D0E_0F10))
    #expect(OffsetsRecord.offsetCommit(c).json.contains("\"topic_id\":\"AQIDBAUGBwgJCgsMDQ4PEA\""))
}

@Test func tombstonesAndLegacyType0() throws {
    let deleted = try OffsetsRecord.decode(key: Bytes.commitKey(type: 0, "g", "t", 1), value: nil as [UInt8]?)
    #expect(deleted.isTombstone && deleted.type == 0)
    #expect(
        deleted.json == #"{"type":0,"kind":"offset_commit","group":"g","tombstone":true,"topic":"t","partition":1}"#)
    let groupGone = try OffsetsRecord.decode(key: Bytes.i16(2) + Bytes.str("g"), value: nil as [UInt8]?)
    #expect(groupGone == .groupMetadata(.init(group: "g", value: nil)))
    // KIP-848 group deleted (type 3 tombstone) and other types are skipped, with their group.
    let kip848 = try OffsetsRecord.decode(key: Bytes.i16(3) + Bytes.str("new-group"), value: nil as [UInt8]?)
    #expect(kip848 == .skipped(type: 3, group: "new-group", tombstone: true))
    let unknown = try OffsetsRecord.decode(key: Bytes.i16(99) + [1, 2], value: [0, 0] as [UInt8]?)
    #expect(unknown == .skipped(type: 99, group: nil, tombstone: false))
}

@Test func groupMetadataV3WithConsumerAssignment() throws {
    let assignment =
        Bytes.i16(1) + Bytes.i32(1) + Bytes.str("orders") + Bytes.i32(2) + Bytes.i32(0) + Bytes.i32(3)
        + Bytes.i32(-1)
    let member =
        Bytes.str("m-1") + Bytes.nullStr() + Bytes.str("client") + Bytes.str("/10.0.0.1") + Bytes.i32(300_000)
        + Bytes.i32(45000) + Bytes.bytes([]) + Bytes.bytes(assignment)
    let value =
        Bytes.i16(3) + Bytes.str("consumer") + Bytes.i32(12) + Bytes.str("range") + Bytes.str("m-1") + Bytes.i64(777)
        + Bytes.i32(1) + member
    guard case .groupMetadata(let g) = try OffsetsRecord.decode(key: Bytes.i16(2) + Bytes.str("billing"), value: value)
    else {
        Issue.record("not group metadata")
        return
    }
    let v = try #require(g.value)
    #expect(v.protocolType == "consumer" && v.generation == 12 && v.protocol == "range" && v.leader == "m-1")
    #expect(v.currentStateTimestamp == 777)
    #expect(v.members.first?.assignment == [.init(topic: "orders", partitions: [0, 3])])
    #expect(v.members.first?.rebalanceTimeout == 300_000 && v.members.first?.groupInstanceId == nil)
}

@Test func groupMetadataV0EmptyGroupAndConnectProtocol() throws {
    // v0: no current state timestamp, members without rebalance timeout; empty group.
    let empty = Bytes.i16(0) + Bytes.str("consumer") + Bytes.i32(0) + Bytes.nullStr() + Bytes.nullStr() + Bytes.i32(0)
    guard case .groupMetadata(let g) = try OffsetsRecord.decode(key: Bytes.i16(2) + Bytes.str("g"), value: empty) else {
        Issue.record("not group metadata")
        return
    }
    #expect(g.value?.members == [] && g.value?.protocol == nil && g.value?.currentStateTimestamp == -1)
    // Connect's assignments are not consumer-protocol bytes: null.
    let member =
        Bytes.str("w") + Bytes.str("c") + Bytes.str("h") + Bytes.i32(10000) + Bytes.bytes([1]) + Bytes.bytes([9, 9])
    let connect =
        Bytes.i16(0) + Bytes.str("connect") + Bytes.i32(1) + Bytes.str("default") + Bytes.str("w")
        + Bytes.i32(1) + member
    guard case .groupMetadata(let c) = try OffsetsRecord.decode(key: Bytes.i16(2) + Bytes.str("g"), value: connect)
    else {
        Issue.record("not group metadata")
        return
    }
    #expect(c.value?.members.first?.assignment == nil && c.value?.members.first?.rebalanceTimeout == -1)
    #expect(OffsetsRecord.groupMetadata(c).json.contains("\"assignment\":null"))
}

@Test func malformedRecordsGiveNamedErrorsNeverTraps() {
    let key = Bytes.commitKey("g", "t", 0)
    let value = Bytes.i16(3) + Bytes.i64(42) + Bytes.i32(5) + Bytes.str("m") + Bytes.i64(1000)
    for cut in 0..<key.count {
        #expect(throws: OffsetsRecordError.self) { try OffsetsRecord.decode(key: key.prefix(cut), value: value) }
    }
    for cut in 0..<value.count {
        #expect(throws: OffsetsRecordError.self) { try OffsetsRecord.decode(key: key, value: value.prefix(cut)) }
    }
    #expect(
        throws: OffsetsRecordError(
            reason: "unknown_value_version", detail: "offset commit value version 9 (known: 0...4)")
    ) {
        try OffsetsRecord.decode(key: key, value: Bytes.i16(9) + [0])
    }
}

@Test func decodeCommandLines() {
    let key = Bytes.commitKey("g", "t", 0).map { String(format: "%02x", $0) }.joined()
    let value = (Bytes.i16(3) + Bytes.i64(42) + Bytes.i32(5) + Bytes.str("m") + Bytes.i64(1000)).map {
        String(format: "%02X", $0)
    }.joined()
    #expect(
        DecodeCommand.decodeLine([key, value], number: 1)
            == #"{"type":1,"kind":"offset_commit","group":"g","tombstone":false,"topic":"t","partition":0,"value_version":3,"offset":42,"leader_epoch":5,"metadata":"m","commit_timestamp":1000,"expire_timestamp":-1,"topic_id":null}"#
    )
    #expect(DecodeCommand.decodeLine([key, "-"], number: 2).contains("\"tombstone\":true"))
    #expect(
        DecodeCommand.decodeLine([key, "zz"], number: 3)
            == #"{"line":3,"error":"value is not hex (use - for a null value)"}"#)
    #expect(DecodeCommand.decodeLine(["0001"], number: 4).hasPrefix(#"{"line":4,"error":"expected 2 fields"#))
    #expect(DecodeCommand.decodeLine(["00", "-"], number: 5).hasPrefix(#"{"line":5,"error":"truncated_key"#))
}
