import KafkaWire
import TestSupport
import Testing

@testable import LagExporter

/// Which listed groups the admin-API source polls, from ListGroups answers built from Kafka's
/// spec (ListGroupsResponse.json).
@Suite struct ListedGroupFilterTests {
    /// (GroupId, ProtocolType, GroupState, GroupType); state and type only where the version has them.
    func answer(_ groups: [(String, String, String, String)], version: Int16) -> [UInt8] {
        let flexible = version >= 3
        return build { b in
            if version >= 1 { b.i32(0) }  // ThrottleTimeMs
            b.i16(0)  // ErrorCode
            if flexible { b.ccount(groups.count) } else { b.count(groups.count) }
            for (id, protocolType, state, type) in groups {
                for field in [id, protocolType] + (version >= 4 ? [state] : []) + (version >= 5 ? [type] : []) {
                    if flexible { b.cstr(field) } else { b.str(field) }
                }
                if flexible { b.noTags() }
            }
            if flexible { b.noTags() }
        }
    }

    func polled(_ bytes: [UInt8], version: Int16) throws -> [String] {
        var reader = KafkaReader(bytes)
        let r = try ListGroupsResponse(from: &reader, version: version)
        #expect(reader.isAtEnd)
        return r.groups.filter(AdminAPIPoller.isConsumerGroup).map(\.groupId)
    }

    @Test func kafka4AnswerKeepsClassicAndModernConsumerGroupsOnly() throws {
        // What a Kafka 4.x broker lists when it does not filter (or ignores the filter).
        let bytes = answer(
            [
                ("orders-app", "consumer", "Stable", "classic"),
                ("new-app", "consumer", "Stable", "consumer"),
                ("offsets-only", "", "Empty", "classic"),
                ("connect-cluster", "connect", "Stable", "classic"),
                ("share-app", "share", "Stable", "share"),
                ("streams-app", "streams", "Stable", "streams"),
            ], version: 5)
        #expect(try polled(bytes, version: 5) == ["orders-app", "new-app", "offsets-only"])
    }

    @Test func olderBrokersAreFilteredByProtocolType() throws {
        let groups = [
            ("orders-app", "consumer", "Stable", ""), ("offsets-only", "", "Empty", ""),
            ("connect-cluster", "connect", "Stable", ""), ("other", "sr", "Stable", ""),
        ]
        for version: Int16 in [0, 3, 4] {
            #expect(try polled(answer(groups, version: version), version: version) == ["orders-app", "offsets-only"])
        }
    }

    @Test func kafka4BrokersAreAskedForClassicAndConsumerGroups() throws {
        var writer = KafkaWriter()
        try ListGroupsRequest(types: AdminAPIPoller.groupTypes, version: 5).encode(into: &writer, version: 5)
        let expected = build { b in
            b.ccount(0)  // StatesFilter
            b.ccount(2)  // TypesFilter
            b.cstr("classic")
            b.cstr("consumer")
            b.noTags()
        }
        #expect(writer.bytes == expected)
    }
}
