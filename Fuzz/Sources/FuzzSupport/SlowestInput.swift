#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// libFuzzer times inputs in whole seconds (-report_slow_units is an integer), too coarse for a
/// 10 ms budget. Every target runs its input through `fuzzInput`, which times it with the
/// monotonic clock, keeps the slowest one and prints it when the fuzzer exits:
///   slowest input: 1.234 ms (57 bytes) saved to <dir>/slowest-<target>
/// A candidate is run a second time and the faster run counts, so one-time initialisation
/// (first use of a global, a page fault) and a busy machine do not pose as slow inputs.
/// Times include the sanitizer and coverage overhead: an upper bound of a release build's.
public func fuzzInput(
    _ target: StaticString, _ data: UnsafePointer<UInt8>, _ size: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Void
) {
    let input = UnsafeBufferPointer(start: data, count: size)
    if !SlowestInput.registered {
        SlowestInput.registered = true
        SlowestInput.target = "\(target)"
        atexit { SlowestInput.report() }
    }
    let first = SlowestInput.time { body(input) }
    guard first > SlowestInput.nanoseconds else { return }
    let again = SlowestInput.time { body(input) }
    let nanoseconds = min(first, again)
    guard nanoseconds > SlowestInput.nanoseconds else { return }
    SlowestInput.nanoseconds = nanoseconds
    SlowestInput.bytes = Array(input)
}

enum SlowestInput {
    // One fuzzing thread: libFuzzer calls the target serially.
    nonisolated(unsafe) static var registered = false
    nonisolated(unsafe) static var target = ""
    nonisolated(unsafe) static var nanoseconds: UInt64 = 0
    nonisolated(unsafe) static var bytes: [UInt8] = []

    static func time(_ work: () -> Void) -> UInt64 {
        var start = timespec()
        var end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        work()
        clock_gettime(CLOCK_MONOTONIC, &end)
        return UInt64(end.tv_sec - start.tv_sec) * 1_000_000_000 + UInt64(end.tv_nsec) - UInt64(start.tv_nsec)
    }

    static func report() {
        let dir = getenv("FUZZ_SLOWEST_DIR").map { String(cString: $0) } ?? "."
        let path = "\(dir)/slowest-\(target)"
        if let file = fopen(path, "wb") {
            _ = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
            fclose(file)
        }
        let ms = Double(nanoseconds) / 1_000_000
        let text = "slowest input: \(ms) ms (\(bytes.count) bytes) saved to \(path)\n"
        _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    }
}
