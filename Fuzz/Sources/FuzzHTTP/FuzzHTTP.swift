import FuzzSupport

/// libFuzzer's entry point; the body (HTTPFuzzBody.swift) is shared with the corpus replay tests
/// of the main package.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzInput("http", data, size, httpFuzzBody)
    return 0
}
