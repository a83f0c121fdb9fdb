import Testing

@testable import KafkaWire

@Suite struct ListGroupsTypesTests {
    @Test func typesFilterOnlyFromV5() throws {
        let v5 = build { b in
            b.ccount(0)  // StatesFilter
            b.ccount(2)  // TypesFilter
            b.cstr("classic")
            b.cstr("consumer")
            b.noTags()
        }
        try expectWire(ListGroupsRequest(types: ["classic", "consumer"], version: 5), v5, version: 5)
        // v4 has no TypesFilter: the request must still encode (the caller filters the answer).
        let v4 = ListGroupsRequest(types: ["classic", "consumer"], version: 4)
        #expect(v4.typesFilter.isEmpty)
        try expectWire(
            v4,
            build { b in
                b.ccount(0)
                b.noTags()
            }, version: 4)
        #expect(try encodeBody(ListGroupsRequest(types: ["classic"], version: 0), version: 0) == [])
    }
}
