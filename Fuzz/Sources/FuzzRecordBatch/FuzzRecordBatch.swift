import FuzzSupport
import KafkaWire

/// The bytes of a Fetch partition's `records` field, as a broker (or a man in the middle) might
/// send them: every magic, codec and control batch. The decoder promises never to trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecordBatch(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzInput("record-batch", data, size) { input in
        let bytes = Array(input)
        // Both CRC modes: with verification most mutations die at the CRC; without it the batch
        // body (varints, headers, decompression) is reached. A small cap keeps bombs cheap.
        _ = RecordSetDecoder.decode(bytes, verifyCRC: false, maxDecompressedBytes: 1 << 20)
        _ = RecordSetDecoder.decode(bytes, verifyCRC: true, maxDecompressedBytes: 1 << 20)
    }
    return 0
}
