import Testing

@testable import KafkaWire

@Suite struct FindCoordinatorTests {
    @Test func v0() throws {
        try expectWire(FindCoordinatorRequest(key: "my-group"), build { $0.str("my-group") }, version: 0)
        let response = build { b in
            b.i16(0)
            b.i32(2)  // NodeId
            b.str("broker-2")
            b.i32(9092)
        }
        try expectWire(
            FindCoordinatorResponse(errorCode: 0, nodeId: 2, host: "broker-2", port: 9092), response, version: 0)
    }

    @Test func v4BatchedCoordinators() throws {
        let request = build { b in
            b.i8(0)  // KeyType: group
            b.ccount(2)
            b.cstr("g1")
            b.cstr("g2")
            b.noTags()
        }
        try expectWire(FindCoordinatorRequest(keyType: 0, coordinatorKeys: ["g1", "g2"]), request, version: 4)
        // Key only exists up to v3 and is not ignorable.
        #expect(throws: KafkaEncodingError.self) { try encodeBody(FindCoordinatorRequest(key: "g1"), version: 4) }

        let response = build { b in
            b.i32(0)
            b.ccount(2)
            b.cstr("g1")
            b.i32(1)
            b.cstr("broker-1")
            b.i32(9092)
            b.i16(0)
            b.cstr(nil)
            b.noTags()
            b.cstr("g2")
            b.i32(-1)
            b.cstr("")
            b.i32(-1)
            b.i16(15)  // COORDINATOR_NOT_AVAILABLE
            b.cstr("not available")
            b.noTags()
            b.noTags()
        }
        let expected = FindCoordinatorResponse(coordinators: [
            .init(key: "g1", nodeId: 1, host: "broker-1", port: 9092, errorCode: 0, errorMessage: nil),
            .init(key: "g2", nodeId: -1, host: "", port: -1, errorCode: 15, errorMessage: "not available"),
        ])
        try expectWire(expected, response, version: 4)
    }
}

@Suite struct ListGroupsTests {
    @Test func v0() throws {
        try expectWire(ListGroupsRequest(), [], version: 0)
        let response = build { b in
            b.i16(0)
            b.count(2)
            b.str("g1")
            b.str("consumer")
            b.str("connect-cluster")
            b.str("connect")
        }
        let expected = ListGroupsResponse(
            errorCode: 0,
            groups: [
                .init(groupId: "g1", protocolType: "consumer"),
                .init(groupId: "connect-cluster", protocolType: "connect"),
            ])
        try expectWire(expected, response, version: 0)
    }

    @Test func v4StatesFilter() throws {
        let request = build { b in
            b.ccount(2)
            b.cstr("Stable")
            b.cstr("Empty")
            b.noTags()
        }
        try expectWire(ListGroupsRequest(statesFilter: ["Stable", "Empty"]), request, version: 4)
        try expectWire(
            ListGroupsRequest(),
            build { b in
                b.ccount(0)
                b.noTags()
            }, version: 4)
        #expect(throws: KafkaEncodingError.self) {
            try encodeBody(ListGroupsRequest(statesFilter: ["Stable"]), version: 3)
        }

        let response = build { b in
            b.i32(0)
            b.i16(0)
            b.ccount(1)
            b.cstr("g1")
            b.cstr("consumer")
            b.cstr("Stable")
            b.noTags()
            b.noTags()
        }
        let expected = ListGroupsResponse(groups: [.init(groupId: "g1", protocolType: "consumer", groupState: "Stable")]
        )
        try expectWire(expected, response, version: 4)
    }
}

@Suite struct DescribeGroupsTests {
    @Test func v0() throws {
        try expectWire(
            DescribeGroupsRequest(groups: ["g1"]),
            build { b in
                b.count(1)
                b.str("g1")
            }, version: 0)
        let response = build { b in
            b.count(1)
            b.i16(0)
            b.str("g1")
            b.str("Stable")
            b.str("consumer")
            b.str("range")
            b.count(1)
            b.str("member-1")
            b.str("client-1")
            b.str("/10.0.0.1")
            b.blob([0, 1, 2])
            b.blob([])
        }
        let expected = DescribeGroupsResponse(groups: [
            .init(
                errorCode: 0, groupId: "g1", groupState: "Stable", protocolType: "consumer", protocolData: "range",
                members: [
                    .init(
                        memberId: "member-1", clientId: "client-1", clientHost: "/10.0.0.1", memberMetadata: [0, 1, 2],
                        memberAssignment: [])
                ])
        ])
        try expectWire(expected, response, version: 0)
    }

    @Test func v5() throws {
        try expectWire(
            DescribeGroupsRequest(groups: ["g1"], includeAuthorizedOperations: true),
            build { b in
                b.ccount(1)
                b.cstr("g1")
                b.bool(true)
                b.noTags()
            }, version: 5)
        let response = build { b in
            b.i32(0)
            b.ccount(1)
            b.i16(0)
            b.cstr("g1")
            b.cstr("Stable")
            b.cstr("consumer")
            b.cstr("range")
            b.ccount(1)
            b.cstr("member-1")
            b.cstr("instance-1")  // GroupInstanceId
            b.cstr("client-1")
            b.cstr("/10.0.0.1")
            b.cblob([9])
            b.cblob([8, 7])
            b.noTags()
            b.i32(0x0000_0F00)  // AuthorizedOperations
            b.noTags()
            b.noTags()
        }
        let expected = DescribeGroupsResponse(groups: [
            .init(
                errorCode: 0, groupId: "g1", groupState: "Stable", protocolType: "consumer", protocolData: "range",
                members: [
                    .init(
                        memberId: "member-1", groupInstanceId: "instance-1", clientId: "client-1",
                        clientHost: "/10.0.0.1",
                        memberMetadata: [9], memberAssignment: [8, 7])
                ], authorizedOperations: 0x0000_0F00)
        ])
        try expectWire(expected, response, version: 5)
    }
}

@Suite struct OffsetFetchTests {
    @Test func v1Topics() throws {
        let request = build { b in
            b.str("g1")
            b.count(1)
            b.str("orders")
            b.count(2)
            b.i32(0)
            b.i32(1)
        }
        try expectWire(
            OffsetFetchRequest(groupId: "g1", topics: [.init(name: "orders", partitionIndexes: [0, 1])]), request,
            version: 1)
        // Null topics (all) is only valid from v2.
        #expect(throws: KafkaEncodingError.self) {
            try encodeBody(OffsetFetchRequest(groupId: "g1", topics: nil), version: 1)
        }
        try expectWire(
            OffsetFetchRequest(groupId: "g1", topics: nil),
            build { b in
                b.str("g1")
                b.count(nil)
            }, version: 2)

        let response = build { b in
            b.count(1)
            b.str("orders")
            b.count(2)
            b.i32(0)
            b.i64(100)
            b.str("")
            b.i16(0)
            b.i32(1)
            b.i64(-1)
            b.str(nil)
            b.i16(0)
        }
        let expected = OffsetFetchResponse(topics: [
            .init(
                name: "orders",
                partitions: [
                    .init(partitionIndex: 0, committedOffset: 100, metadata: "", errorCode: 0),
                    .init(partitionIndex: 1, committedOffset: -1, metadata: nil, errorCode: 0),
                ])
        ])
        try expectWire(expected, response, version: 1)
    }

    @Test func v6Flexible() throws {
        let request = build { b in
            b.cstr("g1")
            b.ccount(nil)  // all topics
            b.noTags()
        }
        try expectWire(OffsetFetchRequest(groupId: "g1", topics: nil), request, version: 6)
        let response = build { b in
            b.i32(0)
            b.ccount(1)
            b.cstr("orders")
            b.ccount(1)
            b.i32(0)
            b.i64(100)
            b.i32(3)  // CommittedLeaderEpoch
            b.cstr("meta")
            b.i16(0)
            b.noTags()
            b.noTags()
            b.i16(0)  // ErrorCode
            b.noTags()
        }
        let expected = OffsetFetchResponse(topics: [
            .init(
                name: "orders",
                partitions: [.init(partitionIndex: 0, committedOffset: 100, committedLeaderEpoch: 3, metadata: "meta")])
        ])
        try expectWire(expected, response, version: 6)
    }

    @Test func v8Groups() throws {
        let request = build { b in
            b.ccount(2)
            b.cstr("g1")
            b.ccount(nil)  // all topics
            b.noTags()
            b.cstr("g2")
            b.ccount(1)
            b.cstr("orders")
            b.ccount(1)
            b.i32(3)
            b.noTags()
            b.noTags()
            b.bool(true)  // RequireStable
            b.noTags()
        }
        let expectedRequest = OffsetFetchRequest(
            groups: [
                .init(groupId: "g1", topics: nil),
                .init(groupId: "g2", topics: [.init(name: "orders", partitionIndexes: [3])]),
            ], requireStable: true)
        try expectWire(expectedRequest, request, version: 8)
        // v8 has no top-level GroupId: a non-default value cannot be sent.
        #expect(throws: KafkaEncodingError.self) { try encodeBody(OffsetFetchRequest(groupId: "g1"), version: 8) }

        let response = build { b in
            b.i32(0)
            b.ccount(1)
            b.cstr("g2")
            b.ccount(1)
            b.cstr("orders")
            b.ccount(1)
            b.i32(3)
            b.i64(77)
            b.i32(-1)
            b.cstr(nil)
            b.i16(0)
            b.noTags()
            b.noTags()
            b.i16(0)
            b.noTags()
            b.noTags()
        }
        let expected = OffsetFetchResponse(groups: [
            .init(
                groupId: "g2",
                topics: [
                    .init(name: "orders", partitions: [.init(partitionIndex: 3, committedOffset: 77, metadata: nil)])
                ])
        ])
        try expectWire(expected, response, version: 8)
    }
}

@Suite struct ConsumerGroupDescribeTests {
    @Test func v0() throws {
        try expectWire(
            ConsumerGroupDescribeRequest(groupIds: ["g1"]),
            build { b in
                b.ccount(1)
                b.cstr("g1")
                b.bool(false)
                b.noTags()
            }, version: 0)

        func assignment(_ b: inout Bytes, _ partitions: [Int32]) {
            b.ccount(1)  // TopicPartitions
            b.uuid(1, 2)
            b.cstr("orders")
            b.ccount(partitions.count)
            for p in partitions { b.i32(p) }
            b.noTags()
            b.noTags()
        }
        let response = build { b in
            b.i32(0)
            b.ccount(1)
            b.i16(0)
            b.cstr(nil)  // ErrorMessage
            b.cstr("g1")
            b.cstr("Stable")
            b.i32(5)  // GroupEpoch
            b.i32(5)  // AssignmentEpoch
            b.cstr("uniform")
            b.ccount(1)
            b.cstr("m1")
            b.cstr(nil)  // InstanceId
            b.cstr("rack-a")
            b.i32(5)  // MemberEpoch
            b.cstr("client-1")
            b.cstr("/10.0.0.1")
            b.ccount(1)
            b.cstr("orders")
            b.cstr(nil)  // SubscribedTopicRegex
            assignment(&b, [0, 1])
            assignment(&b, [0, 1, 2])
            b.noTags()
            b.i32(-2_147_483_648)
            b.noTags()
            b.noTags()
        }
        let orders = KafkaUUID(high: 1, low: 2)
        let expected = ConsumerGroupDescribeResponse(groups: [
            .init(
                errorCode: 0, groupId: "g1", groupState: "Stable", groupEpoch: 5, assignmentEpoch: 5,
                assignorName: "uniform",
                members: [
                    .init(
                        memberId: "m1", rackId: "rack-a", memberEpoch: 5, clientId: "client-1", clientHost: "/10.0.0.1",
                        subscribedTopicNames: ["orders"],
                        assignment: .init(topicPartitions: [
                            .init(topicId: orders, topicName: "orders", partitions: [0, 1])
                        ]),
                        targetAssignment: .init(topicPartitions: [
                            .init(topicId: orders, topicName: "orders", partitions: [0, 1, 2])
                        ]))
                ])
        ])
        try expectWire(expected, response, version: 0)
        #expect(expected.groups[0].members[0].memberType == -1)
    }
}
