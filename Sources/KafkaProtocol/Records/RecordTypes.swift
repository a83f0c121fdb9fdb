/// Compression codec of a record batch (attributes bits 0-2).
public enum CompressionCodec: Int8, Sendable, CaseIterable, CustomStringConvertible {
    case none = 0
    case gzip = 1
    case snappy = 2
    case lz4 = 3
    case zstd = 4

    public var description: String {
        switch self {
        case .none: "none"
        case .gzip: "gzip"
        case .snappy: "snappy"
        case .lz4: "lz4"
        case .zstd: "zstd"
        }
    }
}

/// Whether record timestamps were set by the producer or by the broker on append.
public enum TimestampType: Sendable, Equatable {
    case createTime
    case logAppendTime
    /// Magic 0 messages carry no timestamp (`timestamp` is -1).
    case noTimestamp
}

/// The type of a control record (the key of the single record of a control batch).
public enum ControlRecordType: Sendable, Equatable, CustomStringConvertible {
    case abort
    case commit
    /// A type this decoder does not know (e.g. future KRaft control records); kept, not an error.
    case unknown(Int16)

    public init(rawType: Int16) {
        switch rawType {
        case 0: self = .abort
        case 1: self = .commit
        default: self = .unknown(rawType)
        }
    }

    public var description: String {
        switch self {
        case .abort: "ABORT"
        case .commit: "COMMIT"
        case .unknown(let t): "UNKNOWN(\(t))"
        }
    }
}

/// One record header. The key is UTF-8 on the wire (decoded leniently, as the Java client does).
public struct RecordHeader: Sendable, Equatable {
    public var key: String
    public var value: ArraySlice<UInt8>?

    public init(key: String, value: ArraySlice<UInt8>?) {
        self.key = key
        self.value = value
    }
}

/// One decoded record. `key`/`value` are slices of the input buffer when the batch is
/// uncompressed (zero copy) and of the batch's decompressed buffer otherwise.
public struct Record: Sendable {
    /// Absolute offset in the partition.
    public var offset: Int64
    /// Milliseconds since the epoch; -1 when the message format has none (magic 0).
    public var timestamp: Int64
    public var key: ArraySlice<UInt8>?
    public var value: ArraySlice<UInt8>?
    public var headers: [RecordHeader]

    public init(
        offset: Int64,
        timestamp: Int64,
        key: ArraySlice<UInt8>?,
        value: ArraySlice<UInt8>?,
        headers: [RecordHeader] = []
    ) {
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
    }
}

/// A decoded record batch. Magic 2 batches map one to one; a legacy (magic 0/1) message set
/// is presented as one batch per top-level message (a compressed wrapper message becomes
/// one batch holding its inner messages), like the Java client does. Legacy batches have
/// `producerId == -1`, `partitionLeaderEpoch == -1` and are never transactional.
public struct RecordBatch: Sendable {
    public var baseOffset: Int64
    /// The batch length field (bytes after the length field).
    public var batchLength: Int32
    public var partitionLeaderEpoch: Int32
    public var magic: Int8
    public var crc: UInt32
    public var attributes: Int16
    public var lastOffsetDelta: Int32
    public var baseTimestamp: Int64
    public var maxTimestamp: Int64
    public var producerId: Int64
    public var producerEpoch: Int16
    public var baseSequence: Int32
    /// The records count declared in the header (equals `records.count` once decoded).
    public var recordsCount: Int32
    public var records: [Record]
    /// For a control batch, the type of its (first) control record.
    public var controlType: ControlRecordType?
    /// For a control batch, the coordinator epoch from the control record value.
    public var coordinatorEpoch: Int32?

    public init(
        baseOffset: Int64,
        batchLength: Int32,
        partitionLeaderEpoch: Int32,
        magic: Int8,
        crc: UInt32,
        attributes: Int16,
        lastOffsetDelta: Int32,
        baseTimestamp: Int64,
        maxTimestamp: Int64,
        producerId: Int64,
        producerEpoch: Int16,
        baseSequence: Int32,
        recordsCount: Int32,
        records: [Record] = [],
        controlType: ControlRecordType? = nil,
        coordinatorEpoch: Int32? = nil
    ) {
        self.baseOffset = baseOffset
        self.batchLength = batchLength
        self.partitionLeaderEpoch = partitionLeaderEpoch
        self.magic = magic
        self.crc = crc
        self.attributes = attributes
        self.lastOffsetDelta = lastOffsetDelta
        self.baseTimestamp = baseTimestamp
        self.maxTimestamp = maxTimestamp
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.recordsCount = recordsCount
        self.records = records
        self.controlType = controlType
        self.coordinatorEpoch = coordinatorEpoch
    }

    /// Codec from attributes bits 0-2. The decoder never returns a batch with unknown codec
    /// bits (it reports `.unsupportedCodec`); for a hand-made one they read as `.none`.
    public var codec: CompressionCodec { CompressionCodec(rawValue: Int8(attributes & 0x07)) ?? .none }
    public var timestampType: TimestampType {
        if magic == 0 { return .noTimestamp }
        return attributes & 0x08 != 0 ? .logAppendTime : .createTime
    }
    public var isTransactional: Bool { magic >= 2 && attributes & 0x10 != 0 }
    public var isControl: Bool { magic >= 2 && attributes & 0x20 != 0 }
    public var hasDeleteHorizon: Bool { magic >= 2 && attributes & 0x40 != 0 }
    public var lastOffset: Int64 { baseOffset &+ Int64(lastOffsetDelta) }
    /// The offset to fetch after this batch (`lastOffset + 1`), also for empty batches.
    public var nextOffset: Int64 { lastOffset &+ 1 }
}

/// An aborted transaction from a Fetch response partition (read_committed).
public struct AbortedTransaction: Sendable, Equatable {
    public var producerId: Int64
    public var firstOffset: Int64

    public init(producerId: Int64, firstOffset: Int64) {
        self.producerId = producerId
        self.firstOffset = firstOffset
    }
}

/// A problem with one batch (or the framing) of a record set. Decoding never throws: each
/// problem becomes one of these, and decoding goes on with the next batch when the batch
/// length could be trusted.
public enum RecordSetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stored and computed CRC differ (CRC-32C for magic 2, CRC-32 for magic 0/1). Batch skipped.
    case crcMismatch(batchBaseOffset: Int64, stored: UInt32, computed: UInt32)
    /// Codec bits hold a value that is no codec (5-7), or zstd in a legacy message. Batch skipped.
    case unsupportedCodec(batchBaseOffset: Int64, rawCodec: Int8)
    /// Magic byte not 0, 1 or 2. Decoding stopped: the layout is unknown.
    case unsupportedMagic(batchBaseOffset: Int64, magic: Int8)
    /// The decompressor rejected the blob. Batch skipped.
    case decompression(batchBaseOffset: Int64, codec: CompressionCodec, message: String)
    /// Decompressed data would exceed `maxDecompressedBytes`. Batch skipped.
    case decompressedSizeExceeded(batchBaseOffset: Int64, codec: CompressionCodec, limit: Int)
    /// The batch length field is impossible (smaller than a header). Decoding stopped.
    case invalidBatchLength(batchBaseOffset: Int64, length: Int32)
    /// Header or records do not parse (after a CRC match, or with CRC checks off). Batch skipped.
    case corruptBatch(batchBaseOffset: Int64, message: String)
    /// A legacy (magic 0/1) message that could not be decoded (bad wrapper, nested compression,
    /// corrupt inner message set). The message is skipped.
    case legacyMessage(offset: Int64, magic: Int8, message: String)

    public var batchBaseOffset: Int64 {
        switch self {
        case .crcMismatch(let o, _, _), .unsupportedCodec(let o, _), .unsupportedMagic(let o, _),
            .decompression(let o, _, _), .decompressedSizeExceeded(let o, _, _), .invalidBatchLength(let o, _),
            .corruptBatch(let o, _), .legacyMessage(let o, _, _):
            return o
        }
    }

    public var description: String {
        switch self {
        case .crcMismatch(let o, let s, let c):
            return "batch at offset \(o): CRC mismatch (stored \(hex(s)), computed \(hex(c)))"
        case .unsupportedCodec(let o, let c): return "batch at offset \(o): unsupported codec \(c)"
        case .unsupportedMagic(let o, let m): return "batch at offset \(o): unsupported magic \(m)"
        case .decompression(let o, let codec, let m): return "batch at offset \(o): \(codec) decompression failed: \(m)"
        case .decompressedSizeExceeded(let o, let codec, let l):
            return "batch at offset \(o): \(codec) data decompresses to more than \(l) bytes"
        case .invalidBatchLength(let o, let l): return "batch at offset \(o): invalid batch length \(l)"
        case .corruptBatch(let o, let m): return "batch at offset \(o): corrupt: \(m)"
        case .legacyMessage(let o, let magic, let m): return "legacy message (magic \(magic)) at offset \(o): \(m)"
        }
    }
}

private func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16) }

/// The result of decoding the records field of one Fetch response partition.
public struct RecordSetDecodeResult: Sendable {
    /// Complete batches in input order, control batches included.
    public var batches: [RecordBatch]
    /// The offset after the last complete, decoded batch; nil if none.
    public var nextOffset: Int64?
    /// Where a continuous reader fetches next: past every complete batch or message of the
    /// input, undecodable ones included (their header gives their last offset), so one bad
    /// batch is reported in `errors` and stepped over instead of fetched again forever; nil
    /// when the input held nothing complete.
    public var resumeOffset: Int64?
    /// The input ends with an incomplete batch (normal: the broker cuts at the fetch max bytes).
    public var truncatedTail: Bool
    /// Per-batch problems, in input order.
    public var errors: [RecordSetError]
    /// Bytes of the input consumed by complete batches (decoded or skipped with an error).
    public var bytesConsumed: Int

    public init(
        batches: [RecordBatch] = [],
        nextOffset: Int64? = nil,
        truncatedTail: Bool = false,
        errors: [RecordSetError] = [],
        bytesConsumed: Int = 0
    ) {
        self.batches = batches
        self.nextOffset = nextOffset
        self.truncatedTail = truncatedTail
        self.errors = errors
        self.bytesConsumed = bytesConsumed
    }

    /// Number of control batches (transaction markers) among `batches`.
    public var controlBatchCount: Int { batches.reduce(0) { $0 + ($1.isControl ? 1 : 0) } }
    /// Number of data records (control batches excluded).
    public var recordCount: Int { batches.reduce(0) { $0 + ($1.isControl ? 0 : $1.records.count) } }
}
