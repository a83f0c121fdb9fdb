import FuzzSupport
import KafkaWire

/// A `__consumer_offsets` record (key and value) as lag-exporter reads it. OffsetsRecord lives
/// in the lag-exporter executable, which no other package can import, so its two source files
/// are compiled into this target through symlinks (the same code, not a copy).
/// Input: byte 0 bit 0 = tombstone (no value), bytes 1-2 = key length (big endian, folded into
/// what is left), then the key, then the value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOffsetsRecord(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 3 else { return 0 }
    fuzzInput("offsets-record", data, size) { bytes in
        let tombstone = bytes[0] & 1 == 1
        let rest = bytes[3...]
        let keyLength = (Int(bytes[1]) << 8 | Int(bytes[2])) % (rest.count + 1)
        let key = rest.prefix(keyLength)
        let value = tombstone ? nil : rest.dropFirst(keyLength)
        _ = try? OffsetsRecord.decode(key: key, value: value)
    }
    return 0
}
