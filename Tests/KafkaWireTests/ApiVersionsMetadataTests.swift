import Testing

@testable import KafkaWire

@Suite struct ApiVersionsTests {
    @Test func responseV0() throws {
        let bytes = build { b in
            b.i16(0)  // ErrorCode
            b.count(2)  // ApiKeys
            b.i16(3)
            b.i16(0)
            b.i16(12)
            b.i16(18)
            b.i16(0)
            b.i16(4)
        }
        let expected = ApiVersionsResponse(
            errorCode: 0,
            apiKeys: [
                .init(apiKey: 3, minVersion: 0, maxVersion: 12),
                .init(apiKey: 18, minVersion: 0, maxVersion: 4),
            ])
        try expectWire(expected, bytes, version: 0)
        #expect(expected.throttleTimeMs == 0)
    }

    @Test func responseV3WithTaggedFields() throws {
        let supported = build { b in
            b.ccount(1)
            b.cstr("metadata.version")
            b.i16(1)
            b.i16(27)
            b.noTags()
        }
        let bytes = build { b in
            b.i16(0)  // ErrorCode
            b.ccount(1)  // ApiKeys, compact
            b.i16(1)
            b.i16(4)
            b.i16(17)
            b.noTags()
            b.i32(25)  // ThrottleTimeMs
            b.uvarint(3)  // three tagged fields
            b.tag(0, supported)  // SupportedFeatures
            b.tag(1, build { $0.i64(42) })  // FinalizedFeaturesEpoch
            b.tag(9, [0xDE, 0xAD, 0xBE])  // unknown tag: skipped
        }
        var reader = KafkaReader(bytes)
        let r = try ApiVersionsResponse(from: &reader, version: 3)
        #expect(reader.isAtEnd)
        #expect(r.errorCode == 0)
        #expect(r.apiKeys == [.init(apiKey: 1, minVersion: 4, maxVersion: 17)])
        #expect(r.throttleTimeMs == 25)
        #expect(r.supportedFeatures == [.init(name: "metadata.version", minVersion: 1, maxVersion: 27)])
        #expect(r.finalizedFeaturesEpoch == 42)
        #expect(r.finalizedFeatures == [])
        #expect(r.zkMigrationReady == false)
        #expect(everyStrictPrefixThrows(ApiVersionsResponse.self, bytes, version: 3))

        // Re-encoding drops the unknown tag and writes only non-default tagged fields.
        let reencoded = build { b in
            b.i16(0)
            b.ccount(1)
            b.i16(1)
            b.i16(4)
            b.i16(17)
            b.noTags()
            b.i32(25)
            b.uvarint(2)
            b.tag(0, supported)
            b.tag(1, build { $0.i64(42) })
        }
        #expect(try encodeBody(r, version: 3) == reencoded)
    }

    @Test func requestV3AndV0() throws {
        let v3 = build { b in
            b.cstr("kafka-exporter")
            b.cstr("1.0")
            b.noTags()
        }
        let request = ApiVersionsRequest(clientSoftwareName: "kafka-exporter", clientSoftwareVersion: "1.0")
        try expectWire(request, v3, version: 3)
        // The client fields are ignorable: v0 drops them and the body is empty.
        #expect(try encodeBody(request, version: 0) == [])
    }

    @Test func defaultTaggedFieldsAreNotWritten() throws {
        let bytes = build { b in
            b.i16(35)
            b.ccount(0)
            b.i32(0)
            b.noTags()
        }
        try expectWire(ApiVersionsResponse(errorCode: 35), bytes, version: 3)
    }
}

@Suite struct MetadataTests {
    @Test func requestV1NullTopicsMeansAll() throws {
        try expectWire(MetadataRequest(topics: nil), build { $0.count(nil) }, version: 1)
        // v0 cannot express null; an empty array there means all topics.
        #expect(throws: KafkaEncodingError.self) { try encodeBody(MetadataRequest(topics: nil), version: 0) }
        try expectWire(MetadataRequest(topics: []), build { $0.count(0) }, version: 0)
        let two = build { b in
            b.count(2)
            b.str("a")
            b.str("b")
        }
        try expectWire(MetadataRequest(topics: [.init(name: "a"), .init(name: "b")]), two, version: 1)
    }

    @Test func requestV9() throws {
        let bytes = build { b in
            b.ccount(1)
            b.cstr("orders")
            b.noTags()
            b.bool(false)  // AllowAutoTopicCreation
            b.bool(true)  // IncludeClusterAuthorizedOperations (8-10)
            b.bool(false)  // IncludeTopicAuthorizedOperations
            b.noTags()
        }
        let request = MetadataRequest(
            topics: [.init(name: "orders")],
            allowAutoTopicCreation: false,
            includeClusterAuthorizedOperations: true)
        try expectWire(request, bytes, version: 9)
    }

    @Test func requestV12WithTopicIds() throws {
        let bytes = build { b in
            b.ccount(2)
            b.uuid(0x0102_0304_0506_0708, 0x090A_0B0C_0D0E_0F10)
            b.cstr(nil)  // Name is nullable from v10
            b.noTags()
            b.uuid(0, 0)
            b.cstr("payments")
            b.noTags()
            b.bool(true)  // AllowAutoTopicCreation
            b.bool(true)  // IncludeTopicAuthorizedOperations
            b.noTags()
        }
        let request = MetadataRequest(
            topics: [
                .init(topicId: KafkaUUID(high: 0x0102_0304_0506_0708, low: 0x090A_0B0C_0D0E_0F10), name: nil),
                .init(name: "payments"),
            ],
            includeTopicAuthorizedOperations: true)
        try expectWire(request, bytes, version: 12)
        // A null name cannot be written before v10.
        #expect(throws: KafkaEncodingError.self) { try encodeBody(request, version: 9) }
    }

    @Test func unsupportedFieldsThrowWithADescriptiveError() {
        do {
            _ = try encodeBody(MetadataRequest(topics: nil, allowAutoTopicCreation: false), version: 3)
            Issue.record("expected an error")
        } catch let error as KafkaEncodingError {
            #expect(error.description == "MetadataRequest v3: field AllowAutoTopicCreation not supported")
            #expect(error.kind == .unsupportedField("AllowAutoTopicCreation"))
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(
            throws: KafkaEncodingError(
                .unsupportedField("IncludeClusterAuthorizedOperations"), message: "MetadataRequest", version: 11)
        ) {
            try encodeBody(MetadataRequest(includeClusterAuthorizedOperations: true), version: 11)
        }
        #expect(throws: KafkaEncodingError(.unsupportedVersion, message: "MetadataRequest", version: 14)) {
            try encodeBody(MetadataRequest(), version: 14)
        }
    }

    @Test func responseV1() throws {
        let bytes = build { b in
            b.count(2)  // Brokers
            b.i32(1)
            b.str("broker-1")
            b.i32(9092)
            b.str("rack-a")
            b.i32(2)
            b.str("broker-2")
            b.i32(9093)
            b.str(nil)
            b.i32(2)  // ControllerId
            b.count(1)  // Topics
            b.i16(0)
            b.str("orders")
            b.bool(false)  // IsInternal
            b.count(1)  // Partitions
            b.i16(0)
            b.i32(0)  // PartitionIndex
            b.i32(1)  // LeaderId
            b.count(2)
            b.i32(1)
            b.i32(2)  // ReplicaNodes
            b.count(1)
            b.i32(1)  // IsrNodes
        }
        let expected = MetadataResponse(
            brokers: [
                .init(nodeId: 1, host: "broker-1", port: 9092, rack: "rack-a"),
                .init(nodeId: 2, host: "broker-2", port: 9093, rack: nil),
            ],
            controllerId: 2,
            topics: [
                .init(
                    errorCode: 0, name: "orders",
                    partitions: [.init(partitionIndex: 0, leaderId: 1, replicaNodes: [1, 2], isrNodes: [1])])
            ])
        try expectWire(expected, bytes, version: 1)
        #expect(expected.topics[0].partitions[0].leaderEpoch == -1)
        #expect(expected.clusterId == nil)
    }

    @Test func responseV9Flexible() throws {
        let bytes = build { b in
            b.i32(0)  // ThrottleTimeMs
            b.ccount(1)
            b.i32(1)
            b.cstr("localhost")
            b.i32(9092)
            b.cstr(nil)
            b.noTags()
            b.cstr("cluster-x")  // ClusterId
            b.i32(1)  // ControllerId
            b.ccount(1)
            b.i16(0)
            b.cstr("__consumer_offsets")
            b.bool(true)
            b.ccount(1)
            b.i16(0)
            b.i32(7)
            b.i32(1)
            b.i32(5)  // LeaderEpoch
            b.ccount(1)
            b.i32(1)
            b.ccount(0)  // IsrNodes: empty
            b.ccount(1)
            b.i32(3)  // OfflineReplicas
            b.noTags()
            b.i32(-2_147_483_648)  // TopicAuthorizedOperations
            b.noTags()
            b.i32(0x0000_0F00)  // ClusterAuthorizedOperations (8-10)
            b.noTags()
        }
        let expected = MetadataResponse(
            brokers: [.init(nodeId: 1, host: "localhost", port: 9092)],
            clusterId: "cluster-x",
            controllerId: 1,
            topics: [
                .init(
                    errorCode: 0, name: "__consumer_offsets", isInternal: true,
                    partitions: [
                        .init(
                            partitionIndex: 7, leaderId: 1, leaderEpoch: 5, replicaNodes: [1], isrNodes: [],
                            offlineReplicas: [3])
                    ])
            ],
            clusterAuthorizedOperations: 0x0000_0F00)
        try expectWire(expected, bytes, version: 9)
    }

    @Test func responseV12NullNameAndTopicId() throws {
        let bytes = build { b in
            b.i32(10)
            b.ccount(0)  // no brokers
            b.cstr(nil)  // ClusterId null
            b.i32(-1)
            b.ccount(1)
            b.i16(100)  // UNKNOWN_TOPIC_ID
            b.cstr(nil)  // Name: null (nullable from v12)
            b.uuid(0xAAAA, 0xBBBB)
            b.bool(false)
            b.ccount(0)
            b.i32(-2_147_483_648)
            b.noTags()
            b.noTags()
        }
        let expected = MetadataResponse(
            throttleTimeMs: 10,
            topics: [.init(errorCode: 100, name: nil, topicId: KafkaUUID(high: 0xAAAA, low: 0xBBBB))])
        try expectWire(expected, bytes, version: 12)
        // A null topic name is a decoding error before v12.
        var reader = KafkaReader(bytes)  // v11 has the same layout as v12
        #expect(throws: KafkaDecodingError.self) { try MetadataResponse(from: &reader, version: 11) }
    }

    @Test func decoderRejectsUnsupportedVersion() {
        var reader = KafkaReader([0, 0, 0, 0])
        #expect(throws: KafkaDecodingError.self) { try MetadataResponse(from: &reader, version: 14) }
    }
}
