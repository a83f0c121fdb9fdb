import CZlib

/// Legacy message sets (magic 0 and 1, clusters older than 0.11, or topics still on an old
/// message format). Each top-level message becomes one `RecordBatch`: a plain message a batch
/// of one record, a compressed wrapper message a batch of its inner messages.
enum LegacyMessageSet {
    /// crc + magic + attributes (+ timestamp for magic 1) + key length + value length.
    static func minimumMessageSize(magic: Int8) -> Int32 { magic >= 1 ? 22 : 14 }

    /// CRC-32 (IEEE, zlib) as used by magic 0/1 messages.
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBytes { raw -> UInt32 in
            guard let base = raw.baseAddress?.assumingMemoryBound(to: Bytef.self) else { return 0 }
            var crc = CZlib.crc32(0, nil, 0)
            var p = 0
            while p < raw.count {
                let n = min(raw.count - p, Int(UInt32.max))
                crc = CZlib.crc32(crc, base + p, UInt32(n))
                p += n
            }
            return UInt32(truncatingIfNeeded: crc)
        }
    }

    struct Message {
        var offset: Int64
        var size: Int32
        var crc: UInt32
        var magic: Int8
        var attributes: Int8
        var timestamp: Int64
        var key: ArraySlice<UInt8>?
        var value: ArraySlice<UInt8>?
        var codecBits: Int8 { attributes & 0x07 }
    }

    /// Parses one complete message (`bytes` = offset, size, and exactly `size` bytes).
    static func parse(_ bytes: ArraySlice<UInt8>) throws(KafkaDecodingError) -> Message {
        var r = KafkaReader(bytes)
        let offset = try r.readInt64("offset")
        let size = try r.readInt32("messageSize")
        let crc = try r.readUInt32("crc")
        let magic = try r.readInt8("magic")
        let attributes = try r.readInt8("attributes")
        let timestamp = magic >= 1 ? try r.readInt64("timestamp") : -1
        let key = try r.readNullableBytes("key")
        let value = try r.readNullableBytes("value")
        guard r.isAtEnd else { throw r.fail(.invalidValue("\(r.remaining) bytes left in message"), "message") }
        return Message(
            offset: offset, size: size, crc: crc, magic: magic, attributes: attributes, timestamp: timestamp,
            key: key, value: value)
    }

    static func batch(for m: Message, records: [Record], baseOffset: Int64) -> RecordBatch {
        RecordBatch(
            baseOffset: baseOffset,
            batchLength: m.size,
            partitionLeaderEpoch: -1,
            magic: m.magic,
            crc: m.crc,
            attributes: Int16(m.attributes),
            lastOffsetDelta: Int32(clamping: m.offset &- baseOffset),
            baseTimestamp: m.timestamp,
            maxTimestamp: records.reduce(m.timestamp) { max($0, $1.timestamp) },
            producerId: -1,
            producerEpoch: -1,
            baseSequence: -1,
            recordsCount: Int32(clamping: records.count),
            records: records
        )
    }

    /// Decodes one complete top-level message: a batch, or an error, never both.
    static func decodeEntry(
        _ bytes: ArraySlice<UInt8>,
        verifyCRC: Bool,
        maxDecompressedBytes: Int
    ) -> (batch: RecordBatch?, error: RecordSetError?) {
        let outerOffset = Int64(bitPattern: RecordSetDecoder.loadBigEndian(bytes, bytes.startIndex, UInt64.self))
        let outerMagic = Int8(bitPattern: bytes[bytes.startIndex + 16])
        let m: Message
        do throws(KafkaDecodingError) {
            m = try parse(bytes)
        } catch {
            return (nil, .legacyMessage(offset: outerOffset, magic: outerMagic, message: error.description))
        }
        if verifyCRC {
            let computed = crc32(bytes[(bytes.startIndex + 16)...])
            guard computed == m.crc else {
                return (nil, .crcMismatch(batchBaseOffset: m.offset, stored: m.crc, computed: computed))
            }
        }
        let codec: CompressionCodec
        switch m.codecBits {
        case 0:
            let record = Record(offset: m.offset, timestamp: m.timestamp, key: m.key, value: m.value)
            return (batch(for: m, records: [record], baseOffset: m.offset), nil)
        case 1: codec = .gzip
        case 2: codec = .snappy
        case 3: codec = .lz4
        default: return (nil, .unsupportedCodec(batchBaseOffset: m.offset, rawCodec: m.codecBits))
        }
        guard var blob = m.value else {
            return (nil, .legacyMessage(offset: m.offset, magic: m.magic, message: "compressed wrapper without value"))
        }
        if codec == .lz4 && m.magic == 0, let fixed = Decompressor.fixingLegacyLZ4HeaderChecksum(blob) {
            blob = fixed[...]
        }
        let inner: [UInt8]
        do {
            inner = try Decompressor.decompress(codec, blob, limit: maxDecompressedBytes)
        } catch DecompressionFailure.tooLarge {
            return (
                nil, .decompressedSizeExceeded(batchBaseOffset: m.offset, codec: codec, limit: maxDecompressedBytes)
            )
        } catch DecompressionFailure.failed(let message) {
            return (nil, .decompression(batchBaseOffset: m.offset, codec: codec, message: message))
        } catch {
            return (nil, .decompression(batchBaseOffset: m.offset, codec: codec, message: "\(error)"))
        }
        do throws(KafkaDecodingError) {
            let records = try decodeInner(inner[...], wrapper: m, verifyCRC: verifyCRC)
            guard let first = records.first else {
                return (nil, .legacyMessage(offset: m.offset, magic: m.magic, message: "empty compressed wrapper"))
            }
            return (batch(for: m, records: records, baseOffset: first.offset), nil)
        } catch {
            return (nil, .legacyMessage(offset: m.offset, magic: m.magic, message: error.description))
        }
    }

    /// The inner message set of a compressed wrapper. Magic 1 inner offsets are relative:
    /// absolute = wrapperOffset - lastInnerRelative + innerRelative. Magic 0 inner offsets are absolute.
    static func decodeInner(
        _ data: ArraySlice<UInt8>,
        wrapper: Message,
        verifyCRC: Bool
    ) throws(KafkaDecodingError) -> [Record] {
        var messages: [Message] = []
        var r = KafkaReader(data)
        while !r.isAtEnd {
            let start = r.index
            _ = try r.readInt64("inner offset")
            let size = Int(try r.readInt32("inner messageSize"))
            guard size >= Int(minimumMessageSize(magic: 0)) else { throw r.fail(.invalidLength(size), "inner size") }
            try r.skip(size, "inner message")
            let bytes = data[start..<r.index]
            let m = try parse(bytes)
            if verifyCRC {
                let computed = crc32(bytes[(start + 16)...])
                guard computed == m.crc else {
                    throw r.fail(.invalidValue("inner message CRC mismatch at offset \(m.offset)"), "inner crc")
                }
            }
            guard m.codecBits == 0 else {
                throw r.fail(.invalidValue("nested compression in inner message"), "inner attributes")
            }
            messages.append(m)
        }
        guard let last = messages.last else { return [] }
        let relative = wrapper.magic >= 1 && messages.allSatisfy { $0.magic >= 1 }
        let shift = relative ? wrapper.offset &- last.offset : 0
        let logAppend = wrapper.magic >= 1 && wrapper.attributes & 0x08 != 0
        return messages.map { m in
            Record(
                offset: m.offset &+ shift,
                timestamp: logAppend ? wrapper.timestamp : m.timestamp,
                key: m.key, value: m.value)
        }
    }
}
