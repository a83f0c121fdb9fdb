/// Decodes the `records` field of a Fetch response partition: record batches (magic 2) with
/// every codec, control batches, and legacy message sets (magic 0/1). Pure: no I/O, no state.
public enum RecordSetDecoder {
    /// int64 offset + int32 length, in front of every batch and legacy message.
    static let logOverhead = 12
    /// Bytes of a v2 batch header after the length field (partitionLeaderEpoch to recordsCount).
    static let v2MinBatchLength: Int32 = 49
    /// Bytes from the start of the batch to the first CRC-covered byte (attributes).
    static let v2CRCStart = 21

    /// Decodes every complete batch of `records`.
    ///
    /// Never throws and never traps: a bad batch becomes an entry of `errors`, and decoding goes
    /// on with the next batch as long as the length of the bad one can be trusted (it lands on
    /// something that looks like a batch header, or the end of the input); otherwise it stops.
    /// A trailing incomplete batch is normal (the broker cuts at the fetch size) and is reported
    /// as `truncatedTail`.
    /// - Parameters:
    ///   - verifyCRC: check CRC-32C (v2) / CRC-32 (legacy) before decoding a batch.
    ///   - maxDecompressedBytes: cap on the decompressed size of one batch (decompression bombs).
    public static func decode(
        _ records: ArraySlice<UInt8>,
        verifyCRC: Bool = true,
        maxDecompressedBytes: Int = 256 << 20
    ) -> RecordSetDecodeResult {
        var result = RecordSetDecodeResult()
        let end = records.endIndex
        var pos = records.startIndex
        while pos < end {
            guard let frame = frame(records, at: pos) else {
                result.truncatedTail = true
                break
            }
            switch frame {
            case .badMagic(let offset, let magic):
                result.errors.append(.unsupportedMagic(batchBaseOffset: offset, magic: magic))
                result.resumeOffset = offsetPast(records, at: pos)
            case .badLength(let offset, let length):
                result.errors.append(.invalidBatchLength(batchBaseOffset: offset, length: length))
                result.resumeOffset = offsetPast(records, at: pos)
            case .partial:
                result.truncatedTail = true
            case .complete(let bytes, let magic):
                var trusted = true
                if magic == 2 {
                    switch decodeV2(bytes, verifyCRC: verifyCRC, maxDecompressedBytes: maxDecompressedBytes) {
                    case .success(let batch):
                        result.batches.append(batch)
                        result.nextOffset = batch.nextOffset
                        result.resumeOffset = batch.nextOffset
                    case .failure(let error):
                        result.errors.append(error)
                        result.resumeOffset = offsetPast(records, at: pos)
                        if case .crcMismatch = error {
                            trusted = plausibleBatchStart(records, at: bytes.endIndex, after: bytes)
                        }
                    }
                } else {
                    let legacy = LegacyMessageSet.decodeEntry(
                        bytes, verifyCRC: verifyCRC, maxDecompressedBytes: maxDecompressedBytes)
                    if let batch = legacy.batch {
                        result.batches.append(batch)
                        result.nextOffset = batch.nextOffset
                    }
                    result.resumeOffset = max(result.nextOffset ?? .min, offsetPast(records, at: pos))
                    if let error = legacy.error {
                        result.errors.append(error)
                        if case .crcMismatch = error {
                            trusted = plausibleBatchStart(records, at: bytes.endIndex, after: bytes)
                        }
                    }
                }
                if trusted {
                    pos = bytes.endIndex
                    result.bytesConsumed = pos - records.startIndex
                    continue
                }
            }
            break
        }
        return result
    }

    /// Convenience for a whole array.
    public static func decode(
        _ records: [UInt8],
        verifyCRC: Bool = true,
        maxDecompressedBytes: Int = 256 << 20
    ) -> RecordSetDecodeResult {
        decode(records[...], verifyCRC: verifyCRC, maxDecompressedBytes: maxDecompressedBytes)
    }

    enum Frame {
        case complete(ArraySlice<UInt8>, magic: Int8)
        case partial
        case badMagic(Int64, Int8)
        case badLength(Int64, Int32)
    }

    /// Splits off the batch (or legacy message) at `pos`; nil when not even its magic byte is there.
    static func frame(_ bytes: ArraySlice<UInt8>, at pos: Int) -> Frame? {
        guard bytes.endIndex - pos >= logOverhead + 5 else { return nil }
        let offset = Int64(bitPattern: loadBigEndian(bytes, pos, UInt64.self))
        let length = Int32(bitPattern: loadBigEndian(bytes, pos + 8, UInt32.self))
        let magic = Int8(bitPattern: bytes[pos + 16])
        guard (0...2).contains(magic) else { return .badMagic(offset, magic) }
        guard length >= minimumLength(magic: magic) else { return .badLength(offset, length) }
        let total = logOverhead + Int(length)
        guard total <= bytes.endIndex - pos else { return .partial }
        return .complete(bytes[pos..<pos + total], magic: magic)
    }

    /// The offset after the batch or legacy message starting at `pos`, from its header alone
    /// (the body may be what failed): a v2 batch's base offset + lastOffsetDelta + 1, a legacy
    /// message's own (last) offset + 1, base + 1 when the header is cut short.
    static func offsetPast(_ bytes: ArraySlice<UInt8>, at pos: Int) -> Int64 {
        let base = Int64(bitPattern: loadBigEndian(bytes, pos, UInt64.self))
        guard bytes[pos + 16] == 2, bytes.endIndex - pos >= 27 else { return base &+ 1 }
        let delta = Int32(bitPattern: loadBigEndian(bytes, pos + 23, UInt32.self))
        return base &+ Int64(max(0, delta)) &+ 1
    }

    static func minimumLength(magic: Int8) -> Int32 {
        switch magic {
        case 2: v2MinBatchLength
        case 1: LegacyMessageSet.minimumMessageSize(magic: 1)
        default: LegacyMessageSet.minimumMessageSize(magic: 0)
        }
    }

    /// After a CRC failure the length field (not covered by any CRC) is only trusted if it leads
    /// to the end of the input, to a complete batch whose own CRC matches, or to an incomplete
    /// tail with the same magic and a higher base offset.
    static func plausibleBatchStart(_ bytes: ArraySlice<UInt8>, at pos: Int, after failed: ArraySlice<UInt8>) -> Bool {
        if pos >= bytes.endIndex { return true }
        guard let next = frame(bytes, at: pos) else { return true }
        switch next {
        case .complete(let batch, let magic):
            return storedCRCMatches(batch, magic: magic)
        case .partial:
            let failedOffset = Int64(bitPattern: loadBigEndian(failed, failed.startIndex, UInt64.self))
            let nextOffset = Int64(bitPattern: loadBigEndian(bytes, pos, UInt64.self))
            return bytes[pos + 16] == failed[failed.startIndex + 16] && nextOffset > failedOffset
        case .badMagic, .badLength:
            return false
        }
    }

    static func storedCRCMatches(_ batch: ArraySlice<UInt8>, magic: Int8) -> Bool {
        let s = batch.startIndex
        if magic == 2 {
            return CRC32C.checksum(batch[(s + v2CRCStart)...]) == loadBigEndian(batch, s + 17, UInt32.self)
        }
        return LegacyMessageSet.crc32(batch[(s + 16)...]) == loadBigEndian(batch, s + 12, UInt32.self)
    }

    @inline(__always)
    static func loadBigEndian<T: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>, _ pos: Int, _: T.Type) -> T {
        var v: T = 0
        for i in pos..<pos + MemoryLayout<T>.size { v = v << 8 | T(bytes[i]) }
        return v
    }

    // MARK: magic 2

    /// Decodes one complete v2 batch (`bytes` spans from baseOffset to the end of the batch).
    static func decodeV2(
        _ bytes: ArraySlice<UInt8>,
        verifyCRC: Bool,
        maxDecompressedBytes: Int
    ) -> Result<RecordBatch, RecordSetError> {
        var r = KafkaReader(bytes)
        var batch: RecordBatch
        do throws(KafkaDecodingError) {
            batch = RecordBatch(
                baseOffset: try r.readInt64("baseOffset"),
                batchLength: try r.readInt32("batchLength"),
                partitionLeaderEpoch: try r.readInt32("partitionLeaderEpoch"),
                magic: try r.readInt8("magic"),
                crc: try r.readUInt32("crc"),
                attributes: try r.readInt16("attributes"),
                lastOffsetDelta: try r.readInt32("lastOffsetDelta"),
                baseTimestamp: try r.readInt64("baseTimestamp"),
                maxTimestamp: try r.readInt64("maxTimestamp"),
                producerId: try r.readInt64("producerId"),
                producerEpoch: try r.readInt16("producerEpoch"),
                baseSequence: try r.readInt32("baseSequence"),
                recordsCount: try r.readInt32("recordsCount")
            )
        } catch {
            // Unreachable: `frame` guarantees the header is present.
            return .failure(.corruptBatch(batchBaseOffset: -1, message: error.description))
        }
        let base = batch.baseOffset
        if verifyCRC {
            let computed = CRC32C.checksum(bytes[(bytes.startIndex + v2CRCStart)...])
            guard computed == batch.crc else {
                return .failure(.crcMismatch(batchBaseOffset: base, stored: batch.crc, computed: computed))
            }
        }
        let rawCodec = Int8(batch.attributes & 0x07)
        guard let codec = CompressionCodec(rawValue: rawCodec) else {
            return .failure(.unsupportedCodec(batchBaseOffset: base, rawCodec: rawCodec))
        }
        guard batch.recordsCount >= 0 else {
            return .failure(.corruptBatch(batchBaseOffset: base, message: "negative records count"))
        }
        guard batch.lastOffsetDelta >= 0 else {
            return .failure(.corruptBatch(batchBaseOffset: base, message: "negative lastOffsetDelta"))
        }
        let payload = bytes[r.index...]
        let recordBytes: ArraySlice<UInt8>
        if codec == .none || batch.recordsCount == 0 && payload.isEmpty {
            recordBytes = payload
        } else {
            do {
                recordBytes = try Decompressor.decompress(codec, payload, limit: maxDecompressedBytes)[...]
            } catch DecompressionFailure.tooLarge {
                return .failure(
                    .decompressedSizeExceeded(batchBaseOffset: base, codec: codec, limit: maxDecompressedBytes))
            } catch DecompressionFailure.failed(let message) {
                return .failure(.decompression(batchBaseOffset: base, codec: codec, message: message))
            } catch {
                return .failure(.decompression(batchBaseOffset: base, codec: codec, message: "\(error)"))
            }
        }
        let logAppend = batch.attributes & 0x08 != 0
        do throws(KafkaDecodingError) {
            batch.records = try parseRecords(
                recordBytes, count: Int(batch.recordsCount), baseOffset: base, baseTimestamp: batch.baseTimestamp,
                overrideTimestamp: logAppend ? batch.maxTimestamp : nil)
        } catch {
            return .failure(.corruptBatch(batchBaseOffset: base, message: error.description))
        }
        if batch.isControl, let first = batch.records.first {
            guard let key = first.key, key.count >= 4 else {
                return .failure(.corruptBatch(batchBaseOffset: base, message: "control record key too short"))
            }
            batch.controlType = ControlRecordType(
                rawType: Int16(bitPattern: loadBigEndian(key, key.startIndex + 2, UInt16.self)))
            if let value = first.value, value.count >= 6 {
                batch.coordinatorEpoch = Int32(bitPattern: loadBigEndian(value, value.startIndex + 2, UInt32.self))
            }
        }
        return .success(batch)
    }

    /// Parses `count` records filling `data` exactly. Slices returned point into `data`'s storage.
    /// Hot loop: walks raw memory with explicit bounds checks (same checks as `KafkaReader`).
    static func parseRecords(
        _ data: ArraySlice<UInt8>,
        count: Int,
        baseOffset: Int64,
        baseTimestamp: Int64,
        overrideTimestamp: Int64?
    ) throws(KafkaDecodingError) -> [Record] {
        // A record takes at least 7 bytes: a corrupt count cannot make us reserve gigabytes.
        guard count <= data.count / 7 + 1 else {
            throw KafkaDecodingError(.invalidLength(count), field: "recordsCount", offset: 0)
        }
        var records: [Record] = []
        records.reserveCapacity(count)
        let base = data.startIndex
        let result: Result<Void, KafkaDecodingError> = data.withUnsafeBufferPointer { buf in
            var cur = RawCursor(buf)
            do throws(KafkaDecodingError) {
                for _ in 0..<count {
                    let length = Int(try cur.varint("record length"))
                    guard length >= 0 else { throw cur.fail(.invalidLength(length), "record length") }
                    try cur.need(length, "record")
                    let recordEnd = cur.pos + length
                    var r = RawCursor(buf, pos: cur.pos, end: recordEnd)
                    try r.need(1, "record attributes")
                    r.pos += 1
                    let timestampDelta = try r.varlong("timestampDelta")
                    let offsetDelta = try r.varint("offsetDelta")
                    let keyRange = try r.varBytes("key")
                    let valueRange = try r.varBytes("value")
                    let headerCount = Int(try r.varint("headerCount"))
                    var headers: [RecordHeader] = []
                    if headerCount != 0 {
                        guard headerCount > 0, headerCount <= (r.end - r.pos) / 2 else {
                            throw r.fail(.invalidLength(headerCount), "headerCount")
                        }
                        headers.reserveCapacity(headerCount)
                        for _ in 0..<headerCount {
                            guard let hk = try r.varBytes("header key") else {
                                throw r.fail(.invalidValue("null header key"), "header key")
                            }
                            let hv = try r.varBytes("header value").map {
                                data[(base + $0.lowerBound)..<(base + $0.upperBound)]
                            }
                            let keyBytes = UnsafeBufferPointer(rebasing: buf[hk])
                            headers.append(RecordHeader(key: String(decoding: keyBytes, as: UTF8.self), value: hv))
                        }
                    }
                    guard r.pos == recordEnd else {
                        throw r.fail(.invalidValue("\(recordEnd - r.pos) bytes left in record"), "record")
                    }
                    cur.pos = recordEnd
                    records.append(
                        Record(
                            offset: baseOffset &+ Int64(offsetDelta),
                            timestamp: overrideTimestamp ?? baseTimestamp &+ timestampDelta,
                            key: keyRange.map { data[(base + $0.lowerBound)..<(base + $0.upperBound)] },
                            value: valueRange.map { data[(base + $0.lowerBound)..<(base + $0.upperBound)] },
                            headers: headers))
                }
                guard cur.pos == cur.end else {
                    throw cur.fail(.invalidValue("\(cur.end - cur.pos) bytes left after \(count) records"), "records")
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
        return records
    }
}

/// Bounds-checked reads over raw memory for the record hot loop. Positions are indices into
/// the buffer; errors carry the offset like `KafkaReader`'s.
struct RawCursor {
    let buf: UnsafeBufferPointer<UInt8>
    var pos: Int
    let end: Int

    init(_ buf: UnsafeBufferPointer<UInt8>, pos: Int = 0, end: Int? = nil) {
        self.buf = buf
        self.pos = pos
        self.end = end ?? buf.count
    }

    func fail(_ kind: KafkaDecodingError.Kind, _ field: String) -> KafkaDecodingError {
        KafkaDecodingError(kind, field: field, offset: pos)
    }

    @inline(__always)
    func need(_ n: Int, _ field: String) throws(KafkaDecodingError) {
        guard n <= end - pos else { throw fail(.truncated(needed: n, available: end - pos), field) }
    }

    @inline(__always)
    mutating func raw(maxBytes: Int, _ field: String) throws(KafkaDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        for _ in 0..<maxBytes {
            guard pos < end else { throw fail(.truncated(needed: 1, available: 0), field) }
            let b = buf[pos]
            pos += 1
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
        throw fail(.varintTooLong, field)
    }

    @inline(__always)
    mutating func varint(_ field: String) throws(KafkaDecodingError) -> Int32 {
        let raw = UInt32(truncatingIfNeeded: try raw(maxBytes: 5, field))
        return Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    @inline(__always)
    mutating func varlong(_ field: String) throws(KafkaDecodingError) -> Int64 {
        let raw = try raw(maxBytes: 10, field)
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// varint length (-1 = null) + bytes; returns the byte range.
    @inline(__always)
    mutating func varBytes(_ field: String) throws(KafkaDecodingError) -> Range<Int>? {
        let n = Int(try varint(field))
        if n == -1 { return nil }
        guard n >= 0 else { throw fail(.invalidLength(n), field) }
        try need(n, field)
        defer { pos += n }
        return pos..<pos + n
    }
}
