import Testing

@testable import KafkaWire

@Suite struct DescribeConfigsTests {
    @Test func v1() throws {
        let request = build { b in
            b.count(2)
            b.i8(2)  // TOPIC
            b.str("orders")
            b.count(1)
            b.str("retention.ms")
            b.i8(4)  // BROKER
            b.str("1")
            b.count(nil)  // all keys
            b.bool(true)  // IncludeSynonyms
        }
        let expectedRequest = DescribeConfigsRequest(
            resources: [
                .init(resourceType: 2, resourceName: "orders", configurationKeys: ["retention.ms"]),
                .init(resourceType: 4, resourceName: "1", configurationKeys: nil),
            ], includeSynonyms: true)
        try expectWire(expectedRequest, request, version: 1)

        let response = build { b in
            b.i32(0)
            b.count(1)
            b.i16(0)
            b.str(nil)
            b.i8(2)
            b.str("orders")
            b.count(1)
            b.str("retention.ms")
            b.str("604800000")
            b.bool(false)
            b.i8(5)  // ConfigSource: DEFAULT_CONFIG
            b.bool(false)
            b.count(1)
            b.str("log.retention.ms")
            b.str(nil)
            b.i8(5)
        }
        let expected = DescribeConfigsResponse(results: [
            .init(
                errorCode: 0, errorMessage: nil, resourceType: 2, resourceName: "orders",
                configs: [
                    .init(
                        name: "retention.ms", value: "604800000", readOnly: false, configSource: 5, isSensitive: false,
                        synonyms: [.init(name: "log.retention.ms", value: nil, source: 5)])
                ])
        ])
        try expectWire(expected, response, version: 1)
    }

    @Test func v4() throws {
        let request = build { b in
            b.ccount(1)
            b.i8(2)
            b.cstr("orders")
            b.ccount(nil)
            b.noTags()
            b.bool(false)
            b.bool(true)  // IncludeDocumentation
            b.noTags()
        }
        try expectWire(
            DescribeConfigsRequest(
                resources: [.init(resourceType: 2, resourceName: "orders", configurationKeys: nil)],
                includeDocumentation: true),
            request, version: 4)

        let response = build { b in
            b.i32(0)
            b.ccount(1)
            b.i16(0)
            b.cstr(nil)
            b.i8(2)
            b.cstr("orders")
            b.ccount(1)
            b.cstr("cleanup.policy")
            b.cstr("compact")
            b.bool(false)
            b.i8(1)  // DYNAMIC_TOPIC_CONFIG
            b.bool(false)
            b.ccount(0)
            b.i8(2)  // ConfigType: STRING
            b.cstr(nil)  // Documentation
            b.noTags()
            b.noTags()
            b.noTags()
        }
        let expected = DescribeConfigsResponse(results: [
            .init(
                errorCode: 0, errorMessage: nil, resourceType: 2, resourceName: "orders",
                configs: [
                    .init(
                        name: "cleanup.policy", value: "compact", readOnly: false, configSource: 1, isSensitive: false,
                        configType: 2, documentation: nil)
                ])
        ])
        try expectWire(expected, response, version: 4)
    }
}

@Suite struct DescribeClusterTests {
    @Test func v0() throws {
        try expectWire(
            DescribeClusterRequest(includeClusterAuthorizedOperations: true),
            build { b in
                b.bool(true)
                b.noTags()
            }, version: 0)
        let response = build { b in
            b.i32(0)
            b.i16(0)
            b.cstr(nil)
            b.cstr("cluster-x")
            b.i32(1)
            b.ccount(2)
            b.i32(1)
            b.cstr("b1")
            b.i32(9092)
            b.cstr("rack-a")
            b.noTags()
            b.i32(2)
            b.cstr("b2")
            b.i32(9092)
            b.cstr(nil)
            b.noTags()
            b.i32(-2_147_483_648)
            b.noTags()
        }
        let expected = DescribeClusterResponse(
            clusterId: "cluster-x", controllerId: 1,
            brokers: [
                .init(brokerId: 1, host: "b1", port: 9092, rack: "rack-a"), .init(brokerId: 2, host: "b2", port: 9092),
            ])
        try expectWire(expected, response, version: 0)
        #expect(expected.endpointType == 1)
    }
}

@Suite struct DescribeLogDirsTests {
    @Test(arguments: [Int16(1), 2, 3, 4])
    func requestAllTopics(version: Int16) throws {
        let bytes = build { b in
            if version >= 2 {
                b.ccount(nil)
                b.noTags()
            } else {
                b.count(nil)
            }
        }
        try expectWire(DescribeLogDirsRequest(topics: nil), bytes, version: version)
    }

    /// Several dirs (one failed), many topics, -1 totals where the broker does not know them.
    static func fixture(version: Int16) -> (DescribeLogDirsResponse, [UInt8]) {
        let flexible = version >= 2
        var value = DescribeLogDirsResponse(throttleTimeMs: 3)
        if version >= 3 { value.errorCode = 0 }
        var b = Bytes()
        b.i32(3)
        if version >= 3 { b.i16(0) }
        func count(_ n: Int) { flexible ? b.ccount(n) : b.count(n) }
        func str(_ s: String) { flexible ? b.cstr(s) : b.str(s) }
        func tags() { if flexible { b.noTags() } }
        let dirs: [(String, Int16, Int, Int64, Int64)] = [
            ("/data/a", 0, 40, 1_000_000_000, 250_000_000), ("/data/b", 0, 25, -1, -1), ("/data/c", 57, 0, -1, -1),
        ]
        count(dirs.count)
        for (dir, error, topics, total, usable) in dirs {
            var result = DescribeLogDirsResponse.DescribeLogDirsResult(errorCode: error, logDir: dir)
            b.i16(error)
            str(dir)
            count(topics)
            for t in 0..<topics {
                let name = "topic-\(dir.suffix(1))-\(t)"
                str(name)
                count(2)
                var partitions: [DescribeLogDirsResponse.DescribeLogDirsPartition] = []
                for p in 0..<2 {
                    let size = Int64(t * 1000 + p)
                    b.i32(Int32(p))
                    b.i64(size)
                    b.i64(0)
                    b.bool(p == 1)
                    tags()
                    partitions.append(
                        .init(partitionIndex: Int32(p), partitionSize: size, offsetLag: 0, isFutureKey: p == 1))
                }
                tags()
                result.topics.append(.init(name: name, partitions: partitions))
            }
            if version >= 4 {
                b.i64(total)
                b.i64(usable)
                result.totalBytes = total
                result.usableBytes = usable
            }
            tags()
            value.results.append(result)
        }
        tags()
        return (value, b.bytes)
    }

    @Test(arguments: [Int16(1), 2, 3, 4])
    func response(version: Int16) throws {
        let (value, bytes) = Self.fixture(version: version)
        let decoded = try decodeAll(DescribeLogDirsResponse.self, bytes, version: version)
        #expect(decoded == value)
        #expect(decoded.results.map(\.errorCode) == [0, 0, 57])
        #expect(decoded.results.map(\.topics.count) == [40, 25, 0])
        #expect(decoded.results[1].totalBytes == -1)
        if version >= 4 {
            #expect(decoded.results[0].totalBytes == 1_000_000_000)
            #expect(decoded.results[0].usableBytes == 250_000_000)
        } else {
            #expect(decoded.results[0].totalBytes == -1)
        }
        #expect(try encodeBody(value, version: version) == bytes)
    }

    @Test func prefixesOfALargeResponseThrow() {
        let (_, bytes) = Self.fixture(version: 4)
        #expect(everyStrictPrefixThrows(DescribeLogDirsResponse.self, bytes, version: 4))
    }
}

@Suite struct SaslTests {
    @Test func handshakeV1() throws {
        try expectWire(SaslHandshakeRequest(mechanism: "SCRAM-SHA-512"), build { $0.str("SCRAM-SHA-512") }, version: 1)
        let response = build { b in
            b.i16(33)  // UNSUPPORTED_SASL_MECHANISM
            b.count(2)
            b.str("PLAIN")
            b.str("SCRAM-SHA-256")
        }
        try expectWire(
            SaslHandshakeResponse(errorCode: 33, mechanisms: ["PLAIN", "SCRAM-SHA-256"]), response, version: 1)
    }

    @Test func authenticateV0() throws {
        let token: [UInt8] = Array("\0user\0secret".utf8)
        try expectWire(SaslAuthenticateRequest(authBytes: token), build { $0.blob(token) }, version: 0)
        let response = build { b in
            b.i16(58)  // SASL_AUTHENTICATION_FAILED
            b.str("Authentication failed")
            b.blob([])
        }
        try expectWire(
            SaslAuthenticateResponse(errorCode: 58, errorMessage: "Authentication failed"), response, version: 0)
        // SessionLifetimeMs (v1+) is ignorable: dropped silently in v0.
        #expect(
            try encodeBody(SaslAuthenticateResponse(errorMessage: nil, sessionLifetimeMs: 5), version: 0)
                == build { b in
                    b.i16(0)
                    b.str(nil)
                    b.blob([])
                })
    }

    @Test func authenticateV2() throws {
        let token: [UInt8] = Array("n,,n=user,r=nonce".utf8)
        try expectWire(
            SaslAuthenticateRequest(authBytes: token),
            build { b in
                b.cblob(token)
                b.noTags()
            }, version: 2)
        let response = build { b in
            b.i16(0)
            b.cstr(nil)
            b.cblob([1, 2, 3])
            b.i64(3_600_000)
            b.noTags()
        }
        try expectWire(
            SaslAuthenticateResponse(
                errorCode: 0, errorMessage: nil, authBytes: [1, 2, 3], sessionLifetimeMs: 3_600_000), response,
            version: 2)
    }
}
