import KafkaWire
import Synchronization

@testable import LagExporter

/// v2 record batches of offsets-topic records, written field by field from the record-batch
/// layout with a CRC-32C of the test's own (independent of KafkaWire's decoder).
enum BatchBytes {
    struct Record {
        var key: [UInt8]?
        var value: [UInt8]?
    }

    /// An offset commit (key v1, value v3) as the group coordinator writes it.
    static func commit(_ group: String, _ topic: String, _ partition: Int32, offset: Int64, at time: Int64) -> Record {
        Record(
            key: Bytes.commitKey(group, topic, partition),
            value: Bytes.i16(3) + Bytes.i64(offset) + Bytes.i32(-1) + Bytes.str("") + Bytes.i64(time))
    }

    static func batch(
        baseOffset: Int64, _ records: [Record], producerId: Int64 = -1, transactional: Bool = false,
        control: Bool = false
    ) -> [UInt8] {
        var body: [UInt8] = []
        for (i, r) in records.enumerated() {
            var rec: [UInt8] = [0]  // attributes
            rec += zigzag(0)  // timestamp delta
            rec += zigzag(Int64(i))  // offset delta
            rec += r.key.map { zigzag(Int64($0.count)) + $0 } ?? zigzag(-1)
            rec += r.value.map { zigzag(Int64($0.count)) + $0 } ?? zigzag(-1)
            rec += zigzag(0)  // headers
            body += zigzag(Int64(rec.count)) + rec
        }
        var attributes: Int16 = 0
        if transactional { attributes |= 0x10 }
        if control { attributes |= 0x20 }
        // attributes .. end: what the CRC covers.
        var tail = Bytes.i16(attributes) + Bytes.i32(Int32(max(records.count - 1, 0)))
        tail += Bytes.i64(1_000) + Bytes.i64(1_000)  // base and max timestamp
        tail += Bytes.i64(producerId) + Bytes.i16(0) + Bytes.i32(-1)  // producer id, epoch, base sequence
        tail += Bytes.i32(Int32(records.count)) + body
        let afterLength = Bytes.i32(0) + [2] + u32(crc32c(tail)) + tail  // leader epoch, magic, crc
        return Bytes.i64(baseOffset) + Bytes.i32(Int32(afterLength.count)) + afterLength
    }

    /// A transaction marker (control batch): key version 0 + type (0 abort, 1 commit).
    static func marker(baseOffset: Int64, producerId: Int64, commit: Bool) -> [UInt8] {
        batch(
            baseOffset: baseOffset,
            [Record(key: Bytes.i16(0) + Bytes.i16(commit ? 1 : 0), value: Bytes.i16(0) + Bytes.i32(0))],
            producerId: producerId, transactional: true, control: true)
    }

    static func zigzag(_ v: Int64) -> [UInt8] { Bytes.uvarint(Int((v << 1) ^ (v >> 63))) }
    static func u32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) } }

    static func crc32c(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }
}

/// A scripted broker for the offsets-topic reader: one partition log per partition of the
/// offsets topic, answering Metadata, ListOffsets and Fetch the way Kafka does (whole batches
/// from the one holding the position; OFFSET_OUT_OF_RANGE outside [log start, high watermark]).
final class FakeOffsetsBroker: IngestClient {
    struct Log {
        var batches: [(base: Int64, bytes: [UInt8])] = []
        var logStart: Int64 = 0
        var highWatermark: Int64 = 0
        var aborted: [AbortedTransaction] = []
        /// Answer an empty fetch instead of OFFSET_OUT_OF_RANGE past the end (some compatible brokers).
        var emptyPastEnd = false
    }

    let topic: String
    let logs: Mutex<[Int32: Log]>
    let fetchedFrom = Mutex<[TopicPartition: [Int64]]>([:])

    init(topic: String = "__consumer_offsets", partitions: Int32) {
        self.topic = topic
        logs = Mutex(Dictionary(uniqueKeysWithValues: (0..<partitions).map { ($0, Log()) }))
    }

    /// Appends a batch whose records take offsets base..<base+count (count >= 1).
    func append(_ partition: Int32, base: Int64, count: Int64, _ bytes: [UInt8]) {
        logs.withLock {
            $0[partition]!.batches.append((base, bytes))
            $0[partition]!.highWatermark = base + count
        }
    }

    func edit(_ partition: Int32, _ body: (inout Log) -> Void) { logs.withLock { body(&$0[partition]!) } }

    func refreshMetadata(topics: [String]?) async throws -> ClusterMetadata {
        let ids = logs.withLock { Array($0.keys) }
        var partitions: [Int32: ClusterMetadata.Partition] = [:]
        for id in ids { partitions[id] = .init(id: id, leader: 1) }
        return ClusterMetadata(topics: [topic: .init(name: topic, isInternal: true, partitions: partitions)])
    }

    func listOffsets(
        _ partitions: [TopicPartition], spec: OffsetSpec, readCommitted: Bool
    ) async -> [TopicPartition: Result<PartitionOffset, any Error>] {
        logs.withLock { logs in
            var out: [TopicPartition: Result<PartitionOffset, any Error>] = [:]
            for tp in partitions {
                let log = logs[tp.partition]!
                out[tp] = .success(PartitionOffset(offset: spec == .earliest ? log.logStart : log.highWatermark))
            }
            return out
        }
    }

    func fetch(
        _ offsets: [TopicPartition: Int64], isolation: IsolationLevel, maxBytes: Int32, partitionMaxBytes: Int32,
        maxWait: Duration
    ) async -> [TopicPartition: Result<FetchedPartition, any Error>] {
        fetchedFrom.withLock { for (tp, o) in offsets { $0[tp, default: []].append(o) } }
        let out = logs.withLock { logs in
            var out: [TopicPartition: Result<FetchedPartition, any Error>] = [:]
            for (tp, position) in offsets {
                let log = logs[tp.partition]!
                if position < log.logStart || (position > log.highWatermark && !log.emptyPastEnd) {
                    out[tp] = .failure(KafkaResponseError(api: "Fetch", code: .offsetOutOfRange, context: "\(tp)"))
                    continue
                }
                // Whole batches, from the one holding the position on (a batch's end is the next one's base).
                var bytes: [UInt8] = []
                for (i, b) in log.batches.enumerated() {
                    let end = i + 1 < log.batches.count ? log.batches[i + 1].base : log.highWatermark
                    if end > position && b.base >= log.logStart { bytes += b.bytes }
                }
                out[tp] = .success(
                    FetchedPartition(
                        highWatermark: log.highWatermark, lastStableOffset: log.highWatermark,
                        logStartOffset: log.logStart, records: bytes[...], abortedTransactions: log.aborted))
            }
            return out
        }
        // A real fetch waits up to maxWait when there is nothing new: keep the test loop calm.
        try? await Task.sleep(for: .milliseconds(5))
        return out
    }

    // The offsets-topic reader uses no group APIs.
    func listGroups(types: [String]) async throws -> (
        groups: [ListGroupsResponse.ListedGroup], failures: [Int32: any Error]
    ) { ([], [:]) }
    func committedOffsets(ofGroups groups: [String], batchSize: Int) async
        -> [String: Result<[TopicPartition: Int64], any Error>]
    { [:] }
    func describeGroups(_ groups: [String], batchSize: Int) async
        -> [String: Result<DescribeGroupsResponse.DescribedGroup, any Error>]
    { [:] }
    func describeConsumerGroups(_ groups: [String], batchSize: Int) async
        -> [String: Result<ConsumerGroupDescribeResponse.DescribedGroup, any Error>]
    { [:] }
}
