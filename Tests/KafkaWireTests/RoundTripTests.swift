import Testing

@testable import KafkaWire

/// Property-style: random values valid for each version of every generated message survive
/// encode → decode unchanged, consume every byte, and every strict prefix of the encoding fails.
@Suite struct RoundTripTests {
    @Test(arguments: allGeneratedMessages.map { MessageCase($0) })
    func roundTripsEveryVersion(_ message: MessageCase) throws {
        try message.check()
    }

    @Test func coversEveryGeneratedMessage() {
        #expect(allGeneratedMessages.count == 36)
    }
}

struct MessageCase: CustomTestStringConvertible, Sendable {
    let type: any ArbitraryMessage.Type
    init(_ type: any ArbitraryMessage.Type) { self.type = type }
    var testDescription: String { "\(type)" }

    func check() throws { try type.checkRoundTrips() }
}

extension ArbitraryMessage {
    static func checkRoundTrips() throws {
        typealias M = Self
        var g = SplitMix64(seed: 0x5EED)
        for version in M.supportedVersions {
            for iteration in 0..<25 {
                let value = M.arbitrary(version: version, using: &g)
                let bytes = try encodeBody(value, version: version)
                let decoded = try decodeAll(M.self, bytes, version: version)
                #expect(decoded == value, "\(M.self) v\(version) #\(iteration)")
                let again = try encodeBody(decoded, version: version)
                #expect(again == bytes, "\(M.self) v\(version) #\(iteration): re-encoding differs")
                if iteration < 3 {
                    #expect(everyStrictPrefixThrows(M.self, bytes, version: version), "\(M.self) v\(version)")
                }
            }
        }
    }
}
