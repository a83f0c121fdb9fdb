import FuzzSupport

/// libFuzzer's entry point; the body (ResponsesFuzzBody.swift) is shared with the corpus replay
/// tests of the main package.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzResponses(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzInput("responses", data, size, responsesFuzzBody)
    return 0
}
