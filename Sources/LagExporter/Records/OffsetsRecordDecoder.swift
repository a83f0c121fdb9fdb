import KafkaWire

/// Why a `__consumer_offsets` record could not be decoded.
public struct OffsetsRecordError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable reason for counting (`truncated_key`, `unknown_value_version`, ...).
    public var reason: String
    public var detail: String

    public var description: String { "\(reason): \(detail)" }
}

extension OffsetsRecord {
    /// Decodes a record; never traps on malformed bytes.
    public static func decode(key: some Collection<UInt8>, value: (some Collection<UInt8>)?) throws(OffsetsRecordError)
        -> OffsetsRecord
    {
        var k = KafkaReader(Array(key))
        let type: Int16
        do { type = try k.readInt16("key type") } catch {
            throw OffsetsRecordError(reason: "truncated_key", detail: "\(error)")
        }
        let valueBytes = value.map { Array($0) }
        switch type {
        case 0, 1:
            return .offsetCommit(try offsetCommit(type: type, key: &k, value: valueBytes))
        case 2:
            return .groupMetadata(try groupMetadata(key: &k, value: valueBytes))
        default:
            // Every later coordinator key starts with the group id (a classic STRING).
            let group = type > 0 ? try? k.readString("group") : nil
            return .skipped(type: type, group: group, tombstone: valueBytes == nil)
        }
    }

    static func offsetCommit(type: Int16, key k: inout KafkaReader, value: [UInt8]?) throws(OffsetsRecordError)
        -> OffsetCommit
    {
        let key: OffsetCommitKey
        do { key = try OffsetCommitKey(from: &k, version: 0) } catch {
            throw OffsetsRecordError(reason: "invalid_key", detail: "offset commit key: \(error)")
        }
        guard let value else {
            return OffsetCommit(type: type, group: key.group, topic: key.topic, partition: key.partition, value: nil)
        }
        var r = KafkaReader(value)
        let version = try valueVersion(&r, supported: OffsetCommitValue.supportedVersions, what: "offset commit")
        let v: OffsetCommitValue
        do { v = try OffsetCommitValue(from: &r, version: version) } catch {
            throw OffsetsRecordError(reason: "invalid_value", detail: "offset commit value v\(version): \(error)")
        }
        return OffsetCommit(
            type: type, group: key.group, topic: key.topic, partition: key.partition,
            value: .init(
                version: version, offset: v.offset, leaderEpoch: version >= 3 ? v.leaderEpoch : -1,
                metadata: v.metadata,
                commitTimestamp: v.commitTimestamp, expireTimestamp: version == 1 ? v.expireTimestamp : -1,
                topicId: v.topicId.isZero ? nil : v.topicId))
    }

    static func groupMetadata(key k: inout KafkaReader, value: [UInt8]?) throws(OffsetsRecordError) -> GroupMetadata {
        let key: GroupMetadataKey
        do { key = try GroupMetadataKey(from: &k, version: 0) } catch {
            throw OffsetsRecordError(reason: "invalid_key", detail: "group metadata key: \(error)")
        }
        guard let value else { return GroupMetadata(group: key.group, value: nil) }
        var r = KafkaReader(value)
        let version = try valueVersion(&r, supported: GroupMetadataValue.supportedVersions, what: "group metadata")
        let v: GroupMetadataValue
        do { v = try GroupMetadataValue(from: &r, version: version) } catch {
            throw OffsetsRecordError(reason: "invalid_value", detail: "group metadata value v\(version): \(error)")
        }
        let consumer = v.protocolType == "consumer"
        let members = v.members.map { m in
            GroupMetadata.Member(
                memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId,
                clientHost: m.clientHost, rebalanceTimeout: version >= 1 ? m.rebalanceTimeout : -1,
                sessionTimeout: m.sessionTimeout, assignment: consumer ? assignment(m.assignment) : nil)
        }
        return GroupMetadata(
            group: key.group,
            value: .init(
                version: version, protocolType: v.protocolType, generation: v.generation, protocol: v.protocol,
                leader: v.leader, currentStateTimestamp: version >= 2 ? v.currentStateTimestamp : -1,
                members: members))
    }

    /// Consumer-protocol assignment bytes; newer versions are read with the newest known
    /// layout (fields are only ever appended), empty bytes mean no assignment.
    static func assignment(_ bytes: [UInt8]) -> [GroupMetadata.Assignment]? {
        guard bytes.count >= 2 else { return [] }
        var r = KafkaReader(bytes)
        guard let version = try? r.readInt16("assignment version"), version >= 0 else { return nil }
        let v = min(version, ConsumerProtocolAssignment.supportedVersions.upperBound)
        guard let a = try? ConsumerProtocolAssignment(from: &r, version: v) else { return nil }
        return a.assignedPartitions.map { .init(topic: $0.topic, partitions: $0.partitions) }
    }

    static func valueVersion(_ r: inout KafkaReader, supported: ClosedRange<Int16>, what: String)
        throws(OffsetsRecordError)
        -> Int16
    {
        let version: Int16
        do { version = try r.readInt16("value version") } catch {
            throw OffsetsRecordError(reason: "truncated_value", detail: "\(what) value: \(error)")
        }
        guard supported.contains(version) else {
            throw OffsetsRecordError(
                reason: "unknown_value_version", detail: "\(what) value version \(version) (known: \(supported))")
        }
        return version
    }
}
