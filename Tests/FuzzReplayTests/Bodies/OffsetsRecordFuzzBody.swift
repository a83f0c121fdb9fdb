import KafkaWire

// The fuzz package compiles OffsetsRecord's source files into its target (symlinks: another
// package cannot import an executable); the replay tests reach them in lag-exporter itself.
#if !FUZZ_PACKAGE
    @testable import LagExporter
#endif

/// Fuzz target `offsets-record`: a `__consumer_offsets` record (key and value) as lag-exporter
/// reads it. Input: byte 0 bit 0 = tombstone (no value), bytes 1-2 = key length (big endian,
/// folded into what is left), then the key, then the value. Compiled by the libFuzzer target
/// and by the corpus replay tests.
func offsetsRecordFuzzBody(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard bytes.count >= 3 else { return }
    let tombstone = bytes[0] & 1 == 1
    let rest = bytes[3...]
    let keyLength = (Int(bytes[1]) << 8 | Int(bytes[2])) % (rest.count + 1)
    let key = rest.prefix(keyLength)
    let value = tombstone ? nil : rest.dropFirst(keyLength)
    _ = try? OffsetsRecord.decode(key: key, value: value)
}
