import Testing

@testable import KafkaWire

@Suite struct OffsetCommitRecordTests {
    @Test func keys() throws {
        let key = build { b in
            b.str("g1")
            b.str("orders")
            b.i32(3)
        }
        try expectWire(OffsetCommitKey(group: "g1", topic: "orders", partition: 3), key, version: 0)
        try expectWire(LegacyOffsetCommitKey(group: "g1", topic: "orders", partition: 3), key, version: 0)
        try expectWire(GroupMetadataKey(group: "g1"), build { $0.str("g1") }, version: 0)
        #expect(OffsetCommitKey.recordType == 1)
        #expect(LegacyOffsetCommitKey.recordType == 0)
        #expect(GroupMetadataKey.recordType == 2)
    }

    @Test func legacyValue() throws {
        let bytes = build { b in
            b.i64(10)
            b.str("m")
            b.i64(1_700_000_000_000)
        }
        try expectWire(
            LegacyOffsetCommitValue(offset: 10, metadata: "m", commitTimestamp: 1_700_000_000_000), bytes, version: 0)
    }

    @Test(arguments: [Int16(0), 1, 2, 3])
    func valueV0toV3(version: Int16) throws {
        let bytes = build { b in
            b.i64(4242)  // offset
            if version >= 3 { b.i32(12) }  // leaderEpoch
            b.str("")  // metadata
            b.i64(1_700_000_000_000)  // commitTimestamp
            if version == 1 { b.i64(1_700_000_600_000) }  // expireTimestamp
        }
        var value = OffsetCommitValue(offset: 4242, metadata: "", commitTimestamp: 1_700_000_000_000)
        if version >= 3 { value.leaderEpoch = 12 }
        if version == 1 { value.expireTimestamp = 1_700_000_600_000 }
        try expectWire(value, bytes, version: version)
        #expect(try decodeAll(OffsetCommitValue.self, bytes, version: version).leaderEpoch == (version >= 3 ? 12 : -1))
    }

    @Test func valueV4CompactMetadataAndTopicIdTag() throws {
        let metadata = String(repeating: "m", count: 200)
        let bytes = build { b in
            b.i64(4242)
            b.i32(12)
            b.raw([0xC9, 0x01])  // compact length: 200 + 1 = 201 as a two-byte varint
            b.raw(Array(metadata.utf8))
            b.i64(1_700_000_000_000)
            b.uvarint(1)
            b.tag(0, build { $0.uuid(0x1111, 0x2222) })  // topicId
        }
        let value = OffsetCommitValue(
            offset: 4242, leaderEpoch: 12, metadata: metadata, commitTimestamp: 1_700_000_000_000,
            topicId: KafkaUUID(high: 0x1111, low: 0x2222))
        try expectWire(value, bytes, version: 4)
        #expect(bytes[12..<14] == [0xC9, 0x01])
        // The tagged topic id is ignorable: v3 drops it.
        #expect(try encodeBody(value, version: 3).count == 8 + 4 + 2 + 200 + 8)
    }
}

@Suite struct GroupMetadataValueTests {
    @Test(arguments: [Int16(0), 1, 2, 3])
    func members(version: Int16) throws {
        let subscription: [UInt8] = build { b in
            b.i16(0)  // ConsumerProtocolSubscription v0
            b.count(1)
            b.str("orders")
            b.blob(nil)
        }
        let assignment: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
        let bytes = build { b in
            b.str("consumer")
            b.i32(7)  // generation
            b.str("range")
            b.str("m1")  // leader
            if version >= 2 { b.i64(1_700_000_000_000) }  // currentStateTimestamp
            b.count(2)
            for (member, instance) in [("m1", "i1"), ("m2", nil)] as [(String, String?)] {
                b.str(member)
                if version >= 3 { b.str(instance) }
                b.str("client")
                b.str("/10.0.0.1")
                if version >= 1 { b.i32(300_000) }  // rebalanceTimeout
                b.i32(45_000)
                b.blob(subscription)
                b.blob(assignment)
            }
        }
        var value = GroupMetadataValue(protocolType: "consumer", generation: 7, protocol: "range", leader: "m1")
        if version >= 2 { value.currentStateTimestamp = 1_700_000_000_000 }
        for (member, instance) in [("m1", "i1"), ("m2", nil)] as [(String, String?)] {
            var m = GroupMetadataValue.MemberMetadata(
                memberId: member, clientId: "client", clientHost: "/10.0.0.1", sessionTimeout: 45_000,
                subscription: subscription, assignment: assignment)
            if version >= 3 { m.groupInstanceId = instance }
            if version >= 1 { m.rebalanceTimeout = 300_000 }
            value.members.append(m)
        }
        try expectWire(value, bytes, version: version)
    }

    @Test func emptyGroupHasNullProtocolAndLeader() throws {
        let bytes = build { b in
            b.str("consumer")
            b.i32(0)
            b.str(nil)
            b.str(nil)
            b.i64(-1)
            b.count(0)
        }
        let value = GroupMetadataValue(protocolType: "consumer", protocol: nil, leader: nil)
        try expectWire(value, bytes, version: 2)
    }
}

@Suite struct ConsumerProtocolTests {
    @Test func subscriptionVersions() throws {
        let v0 = build { b in
            b.count(2)
            b.str("a")
            b.str("b")
            b.blob(nil)
        }
        try expectWire(ConsumerProtocolSubscription(topics: ["a", "b"]), v0, version: 0)
        let v3 = build { b in
            b.count(1)
            b.str("a")
            b.blob([1, 2])
            b.count(1)
            b.str("a")
            b.count(2)
            b.i32(0)
            b.i32(1)
            b.i32(9)  // GenerationId
            b.str("rack-a")
        }
        let value = ConsumerProtocolSubscription(
            topics: ["a"], userData: [1, 2], ownedPartitions: [.init(topic: "a", partitions: [0, 1])], generationId: 9,
            rackId: "rack-a")
        try expectWire(value, v3, version: 3)
    }

    @Test func assignment() throws {
        let bytes = build { b in
            b.count(2)
            b.str("a")
            b.count(1)
            b.i32(0)
            b.str("b")
            b.count(0)
            b.blob([])  // empty user data, not null
        }
        let value = ConsumerProtocolAssignment(
            assignedPartitions: [.init(topic: "a", partitions: [0]), .init(topic: "b", partitions: [])], userData: [])
        for version: Int16 in 0...3 { try expectWire(value, bytes, version: version) }
        #expect(
            try decodeAll(
                ConsumerProtocolAssignment.self,
                build { b in
                    b.count(0)
                    b.blob(nil)
                }, version: 0
            ).userData == nil)
    }
}

@Suite struct HardeningTests {
    @Test func hugeArrayCountIsRejectedWithoutAllocating() {
        var reader = KafkaReader(
            build { b in
                b.i16(0)
                b.count(Int(Int32.max))
            })
        #expect(throws: KafkaDecodingError.self) { try ApiVersionsResponse(from: &reader, version: 0) }
        var compact = KafkaReader(
            build { b in
                b.i16(0)
                b.uvarint(UInt32.max)
            })
        #expect(throws: KafkaDecodingError.self) { try ApiVersionsResponse(from: &compact, version: 3) }
    }

    @Test func negativeLengthsAreErrors() {
        var string = KafkaReader(build { $0.i16(-2) })
        #expect(throws: KafkaDecodingError.self) { try SaslHandshakeRequest(from: &string, version: 0) }
        var bytes = KafkaReader(build { $0.i32(-5) })
        #expect(throws: KafkaDecodingError.self) { try SaslAuthenticateRequest(from: &bytes, version: 0) }
        var array = KafkaReader(build { $0.i32(-3) })
        #expect(throws: KafkaDecodingError.self) { try MetadataRequest(from: &array, version: 1) }
    }

    @Test func nullWhereNotNullableIsAnError() {
        var reader = KafkaReader(
            build { b in
                b.count(1)
                b.str(nil)  // topic name, not nullable before v10
                b.bool(true)
            })
        #expect(throws: KafkaDecodingError.self) { try MetadataRequest(from: &reader, version: 4) }
        var array = KafkaReader(
            build { b in
                b.i16(0)
                b.count(nil)  // ApiKeys is never nullable
            })
        #expect(throws: KafkaDecodingError.self) { try ApiVersionsResponse(from: &array, version: 0) }
    }

    @Test func taggedFieldsOutOfOrderOrOverrunAreErrors() {
        var outOfOrder = KafkaReader(
            build { b in
                b.i16(0)
                b.ccount(0)
                b.i32(0)
                b.uvarint(2)
                b.tag(1, build { $0.i64(1) })
                b.tag(0, [0])
            })
        #expect(throws: KafkaDecodingError.self) { try ApiVersionsResponse(from: &outOfOrder, version: 3) }
        var overrun = KafkaReader(
            build { b in
                b.i16(0)
                b.ccount(0)
                b.i32(0)
                b.uvarint(1)
                b.uvarint(1)
                b.uvarint(200)  // size beyond the input
                b.i64(1)
            })
        #expect(throws: KafkaDecodingError.self) { try ApiVersionsResponse(from: &overrun, version: 3) }
        var shortTag = KafkaReader(
            build { b in
                b.i16(0)
                b.ccount(0)
                b.i32(0)
                b.uvarint(1)
                b.tag(1, [1, 2])  // FinalizedFeaturesEpoch needs 8 bytes
            })
        #expect(throws: KafkaDecodingError.self) { try ApiVersionsResponse(from: &shortTag, version: 3) }
    }

    @Test func invalidUTF8IsAnError() {
        var reader = KafkaReader(
            build { b in
                b.i16(2)
                b.raw([0xC3, 0x28])
            })
        #expect(throws: KafkaDecodingError.self) { try SaslHandshakeRequest(from: &reader, version: 1) }
    }

    @Test func encoderRejectsStringsTooLongForAnInt16Length() {
        let long = String(repeating: "x", count: 40_000)
        #expect(throws: KafkaEncodingError.self) { try encodeBody(SaslHandshakeRequest(mechanism: long), version: 1) }
        #expect(throws: Never.self) { try encodeBody(SaslAuthenticateResponse(errorMessage: long), version: 2) }
    }
}
