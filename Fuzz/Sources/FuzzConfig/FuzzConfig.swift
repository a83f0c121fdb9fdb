import FuzzSupport

/// libFuzzer's entry point; the body (ConfigFuzzBody.swift) is shared with the corpus replay
/// tests of the main package. PeerGroupsConfig lives in the nodenet-exporter executable, which
/// no other package can import, so its source files are compiled into this target through
/// symlinks (the same code, not a copy).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzInput("config", data, size, configFuzzBody)
    return 0
}
