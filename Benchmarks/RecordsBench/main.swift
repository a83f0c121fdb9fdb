// records-bench: decode throughput of KafkaWire's record set decoder.
// Run: swift run -c release records-bench [uncompressedMiB] [compressedMiB]
import CLZ4
import CSnappy
import CZlib
import CZstd
import KafkaWire

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

let args = CommandLine.arguments
let plainMiB = args.count > 1 ? Int(args[1]) ?? 64 : 64
let compressedMiB = args.count > 2 ? Int(args[2]) ?? 16 : 16
let recordsPerBatch = 1000
let valueSize = 100

/// Deterministic, mildly compressible values (like JSON-ish payloads).
struct Rng {
    var s: UInt64
    mutating func next() -> UInt64 {
        s &+= 0x9E37_79B9_7F4A_7C15
        var z = s
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

var rng = Rng(s: 42)
let words = ["user", "order", "status", "created", "amount", "EUR", "true", "false", "id", "name"].map {
    Array($0.utf8)
}

@MainActor func makeValue() -> [UInt8] {
    var v: [UInt8] = []
    v.reserveCapacity(valueSize)
    while v.count < valueSize {
        if rng.next() % 3 == 0 {
            v.append(UInt8(48 + rng.next() % 10))
        } else {
            v.append(contentsOf: words[Int(rng.next() % UInt64(words.count))])
            v.append(0x20)
        }
    }
    return Array(v[..<valueSize])
}

/// Records section of one batch (uncompressed).
@MainActor func makeRecords(batchIndex: Int) -> [UInt8] {
    var w = KafkaWriter(capacity: recordsPerBatch * (valueSize + 24))
    for i in 0..<recordsPerBatch {
        var body = KafkaWriter(capacity: valueSize + 24)
        body.writeInt8(0)
        body.writeVarlong(Int64(i))
        body.writeVarint(Int32(i))
        let key = Array("k\(batchIndex)-\(i)".utf8)
        body.writeVarint(Int32(key.count))
        body.writeRaw(key)
        let value = makeValue()
        body.writeVarint(Int32(value.count))
        body.writeRaw(value)
        body.writeVarint(0)
        w.writeVarint(Int32(body.count))
        w.writeRaw(body.bytes)
    }
    return w.bytes
}

func makeBatch(baseOffset: Int64, codecBits: Int16, payload: [UInt8]) -> [UInt8] {
    var tail = KafkaWriter(capacity: payload.count + 64)
    tail.writeInt16(codecBits)
    tail.writeInt32(Int32(recordsPerBatch - 1))
    tail.writeInt64(1_700_000_000_000)
    tail.writeInt64(1_700_000_000_000 + Int64(recordsPerBatch - 1))
    tail.writeInt64(-1)
    tail.writeInt16(-1)
    tail.writeInt32(-1)
    tail.writeInt32(Int32(recordsPerBatch))
    tail.writeRaw(payload)
    var w = KafkaWriter(capacity: tail.count + 24)
    w.writeInt64(baseOffset)
    w.writeInt32(Int32(9 + tail.count))
    w.writeInt32(0)
    w.writeInt8(2)
    w.writeUInt32(CRC32C.checksum(tail.bytes))
    w.writeRaw(tail.bytes)
    return w.bytes
}

// MARK: compressors

func gzip(_ data: [UInt8]) -> [UInt8] {
    var s = z_stream()
    _ = deflateInit2_(
        &s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    defer { deflateEnd(&s) }
    var input = data
    var out = [UInt8](repeating: 0, count: Int(deflateBound(&s, UInt(data.count))) + 64)
    let n = input.withUnsafeMutableBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            s.next_in = src.baseAddress
            s.avail_in = UInt32(src.count)
            s.next_out = dst.baseAddress
            s.avail_out = UInt32(dst.count)
            precondition(deflate(&s, Z_FINISH) == Z_STREAM_END)
            return dst.count - Int(s.avail_out)
        }
    }
    return Array(out[..<n])
}

func snappyBlock(_ data: ArraySlice<UInt8>) -> [UInt8] {
    var n = snappy_max_compressed_length(data.count)
    var out = [UInt8](repeating: 0, count: n)
    data.withUnsafeBytes { src in
        out.withUnsafeMutableBytes { dst in
            precondition(
                snappy_compress(
                    src.baseAddress!.assumingMemoryBound(to: CChar.self), src.count,
                    dst.baseAddress!.assumingMemoryBound(to: CChar.self), &n) == SNAPPY_OK)
        }
    }
    return Array(out[..<n])
}

/// xerial framing with 32 KiB blocks, as snappy-java (the Java producer) writes it.
func xerialSnappy(_ data: [UInt8]) -> [UInt8] {
    var w = KafkaWriter(capacity: data.count)
    w.writeRaw([0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00])
    w.writeInt32(1)
    w.writeInt32(1)
    var p = 0
    while p < data.count {
        let block = snappyBlock(data[p..<min(p + 32768, data.count)])
        w.writeInt32(Int32(block.count))
        w.writeRaw(block)
        p += 32768
    }
    return w.bytes
}

func lz4Frame(_ data: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: LZ4F_compressFrameBound(data.count, nil))
    let n = data.withUnsafeBytes { src in
        out.withUnsafeMutableBytes { dst in
            LZ4F_compressFrame(dst.baseAddress, dst.count, src.baseAddress, src.count, nil)
        }
    }
    precondition(LZ4F_isError(n) == 0)
    return Array(out[..<n])
}

func zstd(_ data: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: ZSTD_compressBound(data.count))
    let n = data.withUnsafeBytes { src in
        out.withUnsafeMutableBytes { dst in ZSTD_compress(dst.baseAddress, dst.count, src.baseAddress, src.count, 3) }
    }
    precondition(ZSTD_isError(n) == 0)
    return Array(out[..<n])
}

// MARK: raw library decompression (the baseline: output size known, buffer preallocated)

func rawGunzip(_ src: [UInt8], into dst: UnsafeMutableRawBufferPointer) -> Int {
    var s = z_stream()
    _ = inflateInit2_(&s, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    defer { inflateEnd(&s) }
    return src.withUnsafeBytes { input in
        s.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self))
        s.avail_in = UInt32(input.count)
        s.next_out = dst.baseAddress!.assumingMemoryBound(to: Bytef.self)
        s.avail_out = UInt32(dst.count)
        precondition(inflate(&s, Z_FINISH) == Z_STREAM_END)
        return dst.count - Int(s.avail_out)
    }
}

func rawXerial(_ src: [UInt8], into dst: UnsafeMutableRawBufferPointer) -> Int {
    src.withUnsafeBytes { input in
        var p = 16
        var out = 0
        while p < input.count {
            let n = Int(input[p]) << 24 | Int(input[p + 1]) << 16 | Int(input[p + 2]) << 8 | Int(input[p + 3])
            p += 4
            var len = dst.count - out
            let chunk = input.baseAddress!.advanced(by: p).assumingMemoryBound(to: CChar.self)
            precondition(
                snappy_uncompress(
                    chunk, n, dst.baseAddress!.advanced(by: out).assumingMemoryBound(to: CChar.self), &len)
                    == SNAPPY_OK)
            out += len
            p += n
        }
        return out
    }
}

func rawLZ4(_ src: [UInt8], into dst: UnsafeMutableRawBufferPointer) -> Int {
    var ctx: OpaquePointer?
    _ = LZ4F_createDecompressionContext(&ctx, UInt32(LZ4F_VERSION))
    defer { LZ4F_freeDecompressionContext(ctx) }
    return src.withUnsafeBytes { input in
        var dstSize = dst.count
        var srcSize = input.count
        precondition(LZ4F_decompress(ctx, dst.baseAddress, &dstSize, input.baseAddress, &srcSize, nil) == 0)
        return dstSize
    }
}

func rawZstd(_ src: [UInt8], into dst: UnsafeMutableRawBufferPointer) -> Int {
    src.withUnsafeBytes { input in
        let n = ZSTD_decompress(dst.baseAddress, dst.count, input.baseAddress, input.count)
        precondition(ZSTD_isError(n) == 0)
        return n
    }
}

// MARK: timing

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

/// Best of `runs` wall-clock times.
func best(_ runs: Int, _ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    var bestTime = Double.infinity
    for _ in 0..<runs {
        let t = clock.measure(body)
        bestTime = min(bestTime, seconds(t))
    }
    return bestTime
}

func mbps(_ bytes: Int, _ s: Double) -> Double { Double(bytes) / 1e6 / s }
func fmt(_ v: Double) -> String {
    let r = (v * 10).rounded() / 10
    return String(r)
}

// MARK: uncompressed

print(
    "building \(plainMiB) MiB of uncompressed batches (\(recordsPerBatch) records/batch, \(valueSize)-byte values)...")
var batchRecords: [[UInt8]] = []
var plain: [UInt8] = []
plain.reserveCapacity(plainMiB << 20 + (1 << 20))
var offset: Int64 = 0
var batchIndex = 0
while plain.count < plainMiB << 20 {
    let records = makeRecords(batchIndex: batchIndex)
    if batchRecords.count < 64 { batchRecords.append(records) }
    plain.append(contentsOf: makeBatch(baseOffset: offset, codecBits: 0, payload: records))
    offset += Int64(recordsPerBatch)
    batchIndex += 1
}
let totalRecords = batchIndex * recordsPerBatch
print("  \(plain.count) bytes, \(batchIndex) batches, \(totalRecords) records")

var sink = 0
var copyDst = [UInt8](repeating: 0, count: plain.count)
let tCopy = best(7) {
    copyDst.withUnsafeMutableBytes { d in
        plain.withUnsafeBytes { s in d.baseAddress!.copyMemory(from: s.baseAddress!, byteCount: s.count) }
    }
    sink &+= Int(copyDst[copyDst.count / 2])
}
let tCRC = best(5) { sink &+= Int(CRC32C.checksum(plain)) }
var checked = RecordSetDecodeResult()
let tDecode = best(5) {
    checked = RecordSetDecoder.decode(plain)
    sink &+= checked.batches.count
}
precondition(checked.errors.isEmpty && checked.recordCount == totalRecords && !checked.truncatedTail)
let tDecodeNoCRC = best(5) {
    let r = RecordSetDecoder.decode(plain, verifyCRC: false)
    sink &+= r.batches.count
}
print("uncompressed (\(plain.count / 1_000_000) MB):")
print("  memcpy                 \(fmt(mbps(plain.count, tCopy))) MB/s")
print("  CRC-32C only           \(fmt(mbps(plain.count, tCRC))) MB/s")
print(
    "  decode, CRC on         \(fmt(mbps(plain.count, tDecode))) MB/s  "
        + "(\(fmt(Double(totalRecords) / tDecode / 1e6)) M records/s)  memcpy/decode = \(fmt(tDecode / tCopy))x")
print(
    "  decode, CRC off        \(fmt(mbps(plain.count, tDecodeNoCRC))) MB/s  memcpy/decode = \(fmt(tDecodeNoCRC / tCopy))x"
)

// MARK: compressed

print("\ncompressed: \(compressedMiB) MiB of records per codec; rates in MB/s of decompressed records")
let codecs: [(String, Int16, ([UInt8]) -> [UInt8], ([UInt8], UnsafeMutableRawBufferPointer) -> Int)] = [
    ("gzip", 1, gzip, rawGunzip),
    ("snappy", 2, xerialSnappy, rawXerial),
    ("lz4", 3, lz4Frame, rawLZ4),
    ("zstd", 4, zstd, rawZstd),
]
let batchesNeeded = max(1, (compressedMiB << 20) / batchRecords[0].count)
for (name, bits, compress, raw) in codecs {
    var blobs: [[UInt8]] = []
    var set: [UInt8] = []
    var uncompressedBytes = 0
    for i in 0..<batchesNeeded {
        let records = batchRecords[i % batchRecords.count]
        let blob = compress(records)
        blobs.append(blob)
        uncompressedBytes += records.count
        set.append(contentsOf: makeBatch(baseOffset: Int64(i * recordsPerBatch), codecBits: bits, payload: blob))
    }
    let maxRecords = batchRecords.map(\.count).max()!
    var scratch = [UInt8](repeating: 0, count: maxRecords + 1024)
    let tRaw = best(3) {
        scratch.withUnsafeMutableBytes { dst in
            for blob in blobs { sink &+= raw(blob, dst) }
        }
    }
    var result = RecordSetDecodeResult()
    let tDec = best(3) {
        result = RecordSetDecoder.decode(set)
        sink &+= result.batches.count
    }
    precondition(result.errors.isEmpty && result.recordCount == batchesNeeded * recordsPerBatch, "\(result.errors)")
    let ratio = Double(set.count) / Double(uncompressedBytes)
    print(
        "  \(name + String(repeating: " ", count: max(0, 7 - name.count))) ratio \(fmt(ratio * 100))%  "
            + "raw library \(fmt(mbps(uncompressedBytes, tRaw))) MB/s  "
            + "decode \(fmt(mbps(uncompressedBytes, tDec))) MB/s  (decode/raw time \(fmt(tDec / tRaw))x)")
}
if sink == 42 { print("") }
