#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A trap in a fuzz body (a failed precondition, an overflow, a bad access) kills the test
/// process, and Swift's report does not say which input did it. While a replay runs, a handler
/// for the trap signals writes the input's path to stderr, puts the previous handler back
/// (Swift's backtracer, say) and returns: the faulting instruction runs again and faults into
/// that handler, so the process dies as it would have without this note.
enum CrashNote {
    // Set and read on the one replaying thread (the replay suite is serialized); the handler
    // only reads it.
    nonisolated(unsafe) private static var path: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) private static var previous: [sigaction] = Array(repeating: sigaction(), count: 65)
    private static let signals: [Int32] = {
        #if arch(arm64)
            [SIGILL, SIGSEGV, SIGBUS, SIGTRAP]  // brk leaves the PC on the trap instruction
        #else
            [SIGILL, SIGSEGV, SIGBUS]
        #endif
    }()

    /// Runs `work` with the note armed; the handlers are restored afterwards.
    static func whileReplaying<T>(_ work: () throws -> T) rethrows -> T {
        for signal in signals {
            var action = sigaction()
            action.sa_flags = 0
            sigemptyset(&action.sa_mask)
            #if canImport(Darwin)
                action.__sigaction_u.__sa_handler = handler
            #else
                action.__sigaction_handler.sa_handler = handler
            #endif
            sigaction(signal, &action, &previous[Int(signal)])
        }
        defer {
            for signal in signals { sigaction(signal, &previous[Int(signal)], nil) }
            set(nil)
        }
        return try work()
    }

    /// The input about to run (nil: none).
    static func set(_ inputPath: String?) {
        free(path)
        path = inputPath.map { strdup($0) }
    }

    private static let handler: @convention(c) (Int32) -> Void = { signal in
        let prefix = "\nfuzz replay: crashed on input "
        _ = prefix.withCString { write(2, $0, strlen($0)) }
        if let path = CrashNote.path {
            _ = write(2, path, strlen(path))
        }
        _ = write(2, "\n", 1)
        sigaction(signal, &CrashNote.previous[Int(signal)], nil)
    }
}
