import FuzzSupport

/// libFuzzer's entry point; the body (ProcNetFuzzBody.swift) is shared with the corpus replay
/// tests of the main package. ProcNetTCP lives in the nodenet-exporter executable, which no
/// other package can import, so its source files are compiled into this target through symlinks
/// (the same code, not a copy).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProcNet(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzInput("procnet", data, size, procNetFuzzBody)
    return 0
}
