import KafkaWire

/// Fuzz target `record-batch`: the bytes of a Fetch partition's `records` field, as a broker (or
/// a man in the middle) might send them: every magic, codec and control batch. The decoder
/// promises never to trap. Compiled by the libFuzzer target and by the corpus replay tests.
func recordBatchFuzzBody(_ input: UnsafeBufferPointer<UInt8>) {
    let bytes = Array(input)
    // Both CRC modes: with verification most mutations die at the CRC; without it the batch
    // body (varints, headers, decompression) is reached. A small cap keeps bombs cheap.
    _ = RecordSetDecoder.decode(bytes, verifyCRC: false, maxDecompressedBytes: 1 << 20)
    _ = RecordSetDecoder.decode(bytes, verifyCRC: true, maxDecompressedBytes: 1 << 20)
}
