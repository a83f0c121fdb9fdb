import KafkaWire

/// Fuzz target `responses`: every response body KafkaWire decodes, plus the versioned
/// `__consumer_offsets` and consumer protocol schemas. Input: byte 0 picks the message type,
/// byte 1 the version (folded into the type's supported versions, as the connection only ever
/// asks for those), the rest is the body. Compiled by the libFuzzer target and by the corpus
/// replay tests.
func responsesFuzzBody(_ input: UnsafeBufferPointer<UInt8>) {
    guard input.count >= 2 else { return }
    let body = Array(input[2...])
    let index = Int(input[0]) % (requests.count + dataMessages.count)
    if index < requests.count {
        decodeResponse(of: requests[index], versionByte: Int(input[1]), body: body)
    } else {
        dataMessages[index - requests.count].fuzzDecode(versionByte: Int(input[1]), body: body)
    }
}

private let requests: [any KafkaRequest.Type] = [
    ApiVersionsRequest.self, ConsumerGroupDescribeRequest.self, DescribeClusterRequest.self,
    DescribeConfigsRequest.self, DescribeGroupsRequest.self, DescribeLogDirsRequest.self,
    FetchRequest.self, FindCoordinatorRequest.self, ListGroupsRequest.self, ListOffsetsRequest.self,
    MetadataRequest.self, OffsetFetchRequest.self, SaslAuthenticateRequest.self,
    SaslHandshakeRequest.self,
]

private let dataMessages: [any KafkaDataMessage.Type] = [
    ConsumerProtocolAssignment.self, ConsumerProtocolSubscription.self, GroupMetadataKey.self,
    GroupMetadataValue.self, LegacyOffsetCommitKey.self, LegacyOffsetCommitValue.self,
    OffsetCommitKey.self, OffsetCommitValue.self,
]

private func version(_ byte: Int, in range: ClosedRange<Int16>) -> Int16 {
    range.lowerBound + Int16(byte % range.count)
}

private func decodeResponse<R: KafkaRequest>(of type: R.Type, versionByte: Int, body: [UInt8]) {
    var reader = KafkaReader(body)
    _ = try? R.Response(from: &reader, version: version(versionByte, in: R.supportedVersions))
}

extension KafkaDataMessage {
    fileprivate static func fuzzDecode(versionByte: Int, body: [UInt8]) {
        var reader = KafkaReader(body)
        _ = try? Self(from: &reader, version: version(versionByte, in: supportedVersions))
    }
}
