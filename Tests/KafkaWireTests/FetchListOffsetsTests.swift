import Testing

@testable import KafkaWire

@Suite struct ListOffsetsTests {
    @Test func requestV1() throws {
        let bytes = build { b in
            b.i32(-1)  // ReplicaId
            b.count(1)
            b.str("orders")
            b.count(2)
            b.i32(0)
            b.i64(-1)  // latest
            b.i32(1)
            b.i64(-2)  // earliest
        }
        let request = ListOffsetsRequest(
            replicaId: -1,
            topics: [
                .init(
                    name: "orders",
                    partitions: [.init(partitionIndex: 0, timestamp: -1), .init(partitionIndex: 1, timestamp: -2)])
            ])
        try expectWire(request, bytes, version: 1)
        // IsolationLevel (v2+) is not ignorable.
        var committed = request
        committed.isolationLevel = 1
        #expect(throws: KafkaEncodingError.self) { try encodeBody(committed, version: 1) }
    }

    @Test func requestV6() throws {
        let bytes = build { b in
            b.i32(-1)
            b.i8(1)  // IsolationLevel
            b.ccount(1)
            b.cstr("orders")
            b.ccount(1)
            b.i32(3)
            b.i32(7)  // CurrentLeaderEpoch
            b.i64(-1)
            b.noTags()
            b.noTags()
            b.noTags()
        }
        let request = ListOffsetsRequest(
            replicaId: -1, isolationLevel: 1,
            topics: [
                .init(name: "orders", partitions: [.init(partitionIndex: 3, currentLeaderEpoch: 7, timestamp: -1)])
            ])
        try expectWire(request, bytes, version: 6)
    }

    @Test func responseV1() throws {
        let bytes = build { b in
            b.count(1)
            b.str("orders")
            b.count(1)
            b.i32(0)
            b.i16(0)
            b.i64(-1)  // Timestamp
            b.i64(1234)  // Offset
        }
        let expected = ListOffsetsResponse(
            topics: [
                .init(name: "orders", partitions: [.init(partitionIndex: 0, errorCode: 0, timestamp: -1, offset: 1234)])
            ])
        try expectWire(expected, bytes, version: 1)
    }

    @Test func responseV6() throws {
        let bytes = build { b in
            b.i32(5)
            b.ccount(1)
            b.cstr("orders")
            b.ccount(2)
            b.i32(0)
            b.i16(0)
            b.i64(-1)
            b.i64(99)
            b.i32(4)  // LeaderEpoch
            b.noTags()
            b.i32(1)
            b.i16(6)  // NOT_LEADER_OR_FOLLOWER
            b.i64(-1)
            b.i64(-1)
            b.i32(-1)
            b.noTags()
            b.noTags()
            b.noTags()
        }
        let expected = ListOffsetsResponse(
            throttleTimeMs: 5,
            topics: [
                .init(
                    name: "orders",
                    partitions: [
                        .init(partitionIndex: 0, errorCode: 0, timestamp: -1, offset: 99, leaderEpoch: 4),
                        .init(partitionIndex: 1, errorCode: 6),
                    ])
            ])
        try expectWire(expected, bytes, version: 6)
    }
}

@Suite struct FetchTests {
    @Test func requestV4() throws {
        let bytes = build { b in
            b.i32(-1)  // ReplicaId
            b.i32(500)  // MaxWaitMs
            b.i32(1)  // MinBytes
            b.i32(0x7FFF_FFFF)  // MaxBytes
            b.i8(1)  // IsolationLevel
            b.count(1)
            b.str("orders")
            b.count(1)
            b.i32(0)
            b.i64(42)  // FetchOffset
            b.i32(1_048_576)  // PartitionMaxBytes
        }
        let request = FetchRequest(
            maxWaitMs: 500, minBytes: 1, isolationLevel: 1,
            topics: [
                .init(topic: "orders", partitions: [.init(partition: 0, fetchOffset: 42, partitionMaxBytes: 1_048_576)])
            ])
        try expectWire(request, bytes, version: 4)
    }

    @Test func requestV12() throws {
        let bytes = build { b in
            b.i32(-1)
            b.i32(100)
            b.i32(1)
            b.i32(52_428_800)
            b.i8(0)
            b.i32(0)  // SessionId
            b.i32(-1)  // SessionEpoch
            b.ccount(1)
            b.cstr("orders")
            b.ccount(1)
            b.i32(2)
            b.i32(-1)  // CurrentLeaderEpoch
            b.i64(10)
            b.i32(-1)  // LastFetchedEpoch
            b.i64(-1)  // LogStartOffset
            b.i32(65536)
            b.noTags()
            b.noTags()
            b.ccount(1)  // ForgottenTopicsData
            b.cstr("old")
            b.ccount(2)
            b.i32(0)
            b.i32(1)
            b.noTags()
            b.cstr("rack-a")  // RackId
            b.uvarint(1)
            b.tag(0, build { $0.cstr("cluster-x") })  // ClusterId
        }
        let request = FetchRequest(
            clusterId: "cluster-x", maxWaitMs: 100, minBytes: 1, maxBytes: 52_428_800,
            topics: [
                .init(topic: "orders", partitions: [.init(partition: 2, fetchOffset: 10, partitionMaxBytes: 65536)])
            ],
            forgottenTopicsData: [.init(topic: "old", partitions: [0, 1])],
            rackId: "rack-a")
        try expectWire(request, bytes, version: 12)
        // ReplicaState (tagged, v15+) is not ignorable.
        var follower = request
        follower.replicaState = .init(replicaId: 3, replicaEpoch: 9)
        #expect(throws: KafkaEncodingError.self) { try encodeBody(follower, version: 12) }
    }

    @Test func responseV4RecordsAreASliceOfTheInput() throws {
        let records: [UInt8] = Array(0..<61)
        var recordsStart = 0
        let bytes = build { b in
            b.i32(0)  // ThrottleTimeMs
            b.count(1)
            b.str("orders")
            b.count(2)
            // partition 0: aborted transactions and records
            b.i32(0)
            b.i16(0)
            b.i64(100)  // HighWatermark
            b.i64(90)  // LastStableOffset
            b.count(2)
            b.i64(7)
            b.i64(50)
            b.i64(8)
            b.i64(60)
            b.i32(Int32(records.count))
            recordsStart = b.bytes.count
            b.raw(records)
            // partition 1: null aborted transactions, null records
            b.i32(1)
            b.i16(1)  // OFFSET_OUT_OF_RANGE
            b.i64(-1)
            b.i64(-1)
            b.count(nil)
            b.i32(-1)
        }
        let input = bytes[...]
        var reader = KafkaReader(input)
        let r = try FetchResponse(from: &reader, version: 4)
        #expect(reader.isAtEnd)
        let p0 = r.responses[0].partitions[0]
        #expect(r.responses[0].topic == "orders")
        #expect(p0.highWatermark == 100)
        #expect(p0.lastStableOffset == 90)
        #expect(
            p0.abortedTransactions == [.init(producerId: 7, firstOffset: 50), .init(producerId: 8, firstOffset: 60)])
        let slice = try #require(p0.records)
        #expect(slice.startIndex == recordsStart)
        #expect(slice.endIndex == recordsStart + records.count)
        #expect(Array(slice) == records)
        // Zero copy: the slice shares the input's storage.
        let sliceBase = slice.withUnsafeBufferPointer { $0.baseAddress }
        let inputBase = input.withUnsafeBufferPointer { $0.baseAddress }
        #expect(sliceBase == inputBase.map { $0 + recordsStart })
        let p1 = r.responses[0].partitions[1]
        #expect(p1.errorCode == 1)
        #expect(p1.abortedTransactions == nil)
        #expect(p1.records == nil)
        #expect(try encodeBody(r, version: 4) == bytes)
        #expect(everyStrictPrefixThrows(FetchResponse.self, bytes, version: 4))
    }

    @Test func responseV4EmptyAbortedIsNotNull() throws {
        let bytes = build { b in
            b.i32(0)
            b.count(1)
            b.str("t")
            b.count(1)
            b.i32(0)
            b.i16(0)
            b.i64(0)
            b.i64(0)
            b.count(0)  // empty, not null
            b.i32(0)  // empty records, not null
        }
        let r = try decodeAll(FetchResponse.self, bytes, version: 4)
        #expect(r.responses[0].partitions[0].abortedTransactions == [])
        #expect(r.responses[0].partitions[0].records?.isEmpty == true)
        #expect(try encodeBody(r, version: 4) == bytes)
    }

    @Test func responseV12Flexible() throws {
        let records: [UInt8] = [0xAB, 0xCD, 0xEF]
        let bytes = build { b in
            b.i32(0)
            b.i16(0)  // ErrorCode
            b.i32(123)  // SessionId
            b.ccount(1)
            b.cstr("orders")
            b.ccount(1)
            b.i32(4)
            b.i16(0)
            b.i64(500)
            b.i64(490)
            b.i64(10)  // LogStartOffset
            b.ccount(nil)  // AbortedTransactions: null
            b.i32(-1)  // PreferredReadReplica
            b.cblob(records)
            b.uvarint(1)
            b.tag(
                1,
                build { t in  // CurrentLeader
                    t.i32(2)
                    t.i32(17)
                    t.noTags()
                })
            b.noTags()
            b.noTags()
        }
        var reader = KafkaReader(bytes)
        let r = try FetchResponse(from: &reader, version: 12)
        #expect(reader.isAtEnd)
        #expect(r.sessionId == 123)
        let p = r.responses[0].partitions[0]
        #expect(p.partitionIndex == 4)
        #expect(p.logStartOffset == 10)
        #expect(p.abortedTransactions == nil)
        #expect(p.currentLeader == .init(leaderId: 2, leaderEpoch: 17))
        #expect(p.divergingEpoch == .init())
        #expect(p.records.map(Array.init) == records)
        #expect(p.records?.startIndex == bytes.count - 2 - 12 - records.count)
        #expect(try encodeBody(r, version: 12) == bytes)
        #expect(everyStrictPrefixThrows(FetchResponse.self, bytes, version: 12))
    }
}
