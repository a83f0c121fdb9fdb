import Testing

@testable import KafkaWire

@Test func fixedWidthIntegersAreBigEndian() throws {
    var w = KafkaWriter()
    w.writeInt8(-2)
    w.writeInt16(0x0102)
    w.writeInt32(-1)
    w.writeInt64(0x0102_0304_0506_0708)
    w.writeBool(true)
    #expect(w.bytes == [0xFE, 0x01, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4, 5, 6, 7, 8, 1])
    var r = KafkaReader(w.bytes)
    #expect(try r.readInt8() == -2)
    #expect(try r.readInt16() == 0x0102)
    #expect(try r.readInt32() == -1)
    #expect(try r.readInt64() == 0x0102_0304_0506_0708)
    #expect(try r.readBool())
    #expect(r.isAtEnd)
}

@Test(
    arguments: [
        (0, [0x00]), (1, [0x01]), (127, [0x7F]), (128, [0x80, 0x01]), (201, [0xC9, 0x01]),
        (16384, [0x80, 0x80, 0x01]), (UInt32.max, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
    ] as [(UInt32, [UInt8])])
func unsignedVarints(value: UInt32, encoded: [UInt8]) throws {
    var w = KafkaWriter()
    w.writeUnsignedVarint(value)
    #expect(w.bytes == encoded)
    var r = KafkaReader(encoded)
    #expect(try r.readUnsignedVarint() == value)
}

@Test(
    arguments: [
        (0, [0x00]), (-1, [0x01]), (1, [0x02]), (-64, [0x7F]), (64, [0x80, 0x01]),
        (Int32.max, [0xFE, 0xFF, 0xFF, 0xFF, 0x0F]), (Int32.min, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
    ] as [(Int32, [UInt8])])
func zigZagVarints(value: Int32, encoded: [UInt8]) throws {
    var w = KafkaWriter()
    w.writeVarint(value)
    #expect(w.bytes == encoded)
    var r = KafkaReader(encoded)
    #expect(try r.readVarint() == value)
}

@Test func varlongsRoundTrip() throws {
    for v: Int64 in [0, -1, 1, Int64.max, Int64.min, 1_700_000_000_000, -1_700_000_000_000] {
        var w = KafkaWriter()
        w.writeVarlong(v)
        var r = KafkaReader(w.bytes)
        #expect(try r.readVarlong() == v)
        #expect(r.isAtEnd)
    }
}

@Test func overlongVarintIsAnError() {
    var r = KafkaReader([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])
    #expect(throws: KafkaDecodingError.self) { try r.readUnsignedVarint() }
}

@Test func stringsClassicAndCompactNullVersusEmpty() throws {
    var w = KafkaWriter()
    w.writeNullableString(nil)
    w.writeString("")
    w.writeString("héllo")
    w.writeCompactNullableString(nil)
    w.writeCompactString("")
    w.writeCompactString("ab")
    #expect(
        w.bytes == [0xFF, 0xFF, 0, 0, 0, 6, 0x68, 0xC3, 0xA9, 0x6C, 0x6C, 0x6F, 0, 1, 3, 0x61, 0x62])
    var r = KafkaReader(w.bytes)
    #expect(try r.readNullableString() == nil)
    #expect(try r.readString() == "")
    #expect(try r.readString() == "héllo")
    #expect(try r.readCompactNullableString() == nil)
    #expect(try r.readCompactString() == "")
    #expect(try r.readCompactString() == "ab")
}

@Test func nullWhereNotNullableAndBadUTF8AreErrors() {
    var r = KafkaReader([0xFF, 0xFF])
    #expect(throws: KafkaDecodingError.self) { try r.readString() }
    var r2 = KafkaReader([0x00, 0x02, 0xC3, 0x28])
    #expect(throws: KafkaDecodingError.self) { try r2.readString() }
}

@Test func bytesAreZeroCopySlices() throws {
    var w = KafkaWriter()
    w.writeNullableBytes([9, 8, 7] as [UInt8])
    w.writeNullableBytes(nil as [UInt8]?)
    w.writeCompactNullableBytes([1] as [UInt8])
    var r = KafkaReader(w.bytes)
    let slice = try #require(try r.readNullableBytes())
    #expect(Array(slice) == [9, 8, 7])
    #expect(slice.startIndex == 4)
    #expect(try r.readNullableBytes() == nil)
    #expect(try r.readCompactNullableBytes().map(Array.init) == [1])
}

@Test func arrayCountsRejectImpossibleSizes() throws {
    var r = KafkaReader([0x7F, 0xFF, 0xFF, 0xFF, 0x00])
    #expect(throws: KafkaDecodingError.self) { try r.readArrayCount(compact: false) }
    var n = KafkaReader([0xFF, 0xFF, 0xFF, 0xFF])
    #expect(try n.readArrayCount(compact: false) == nil)
    var c = KafkaReader([0x00, 0x01])
    #expect(try c.readArrayCount(compact: true) == nil)
    #expect(try c.readArrayCount(compact: true) == 0)
}

@Test func taggedFieldsSkipUnknownAndRejectDisorder() throws {
    var w = KafkaWriter()
    w.writeTaggedFields([(tag: 5, bytes: [1, 2, 3]), (tag: 0, bytes: [0xAA])])
    #expect(w.bytes == [2, 0, 1, 0xAA, 5, 3, 1, 2, 3])
    var r = KafkaReader(w.bytes)
    var seen: [UInt32: [UInt8]] = [:]
    try r.readTaggedFields { tag, sub throws(KafkaDecodingError) in
        if tag == 0 { seen[tag] = Array(try sub.readBytes(count: sub.remaining)) }
    }
    #expect(seen == [0: [0xAA]])
    #expect(r.isAtEnd)
    var bad = KafkaReader([2, 5, 0, 0, 0])
    #expect(throws: KafkaDecodingError.self) { try bad.readTaggedFields() }
}

@Test func truncatedInputNeverTraps() {
    var w = KafkaWriter()
    w.writeInt64(1)
    w.writeCompactString("abc")
    w.writeUUID(KafkaUUID(high: 1, low: 2))
    for cut in 0..<w.bytes.count {
        var r = KafkaReader(Array(w.bytes.prefix(cut)))
        #expect(throws: KafkaDecodingError.self) {
            _ = try r.readInt64()
            _ = try r.readCompactString()
            _ = try r.readUUID()
        }
    }
}

@Test func uuidPrintsLikeKafka() {
    // Kafka's Uuid.toString: URL-safe base64 of the 16 bytes, no padding.
    #expect(KafkaUUID(high: 0, low: 0).description == "AAAAAAAAAAAAAAAAAAAAAA")
    #expect(KafkaUUID(high: 0xFFFF_FFFF_FFFF_FFFF, low: 0xFFFF_FFFF_FFFF_FFFF).description == "_____________________w")
}
