import FuzzSupport

/// libFuzzer's entry point; the body (OffsetsRecordFuzzBody.swift) is shared with the corpus
/// replay tests of the main package. OffsetsRecord lives in the lag-exporter executable, which
/// no other package can import, so its two source files are compiled into this target through
/// symlinks (the same code, not a copy).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOffsetsRecord(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzInput("offsets-record", data, size, offsetsRecordFuzzBody)
    return 0
}
