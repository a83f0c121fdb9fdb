import FuzzSupport

/// libFuzzer's entry point; the body (RecordBatchFuzzBody.swift) is shared with the corpus
/// replay tests of the main package.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecordBatch(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzInput("record-batch", data, size, recordBatchFuzzBody)
    return 0
}
