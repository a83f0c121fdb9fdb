#if canImport(Glibc)
    import Glibc
#endif

/// glibc allocator tuning, looked up at run time (<malloc.h> is not in Swift's Glibc module;
/// on another libc these are no-ops).
public enum MemoryTrim {
    /// Responses at least this big trigger a trim once sent.
    static let largeResponseBytes = 8 << 20

    /// `malloc_trim(0)` off the event loop: gives freed heap pages back to the kernel.
    static func returnFreedMemoryToTheSystem() {
        Task.detached(priority: .background) { trimNow() }
    }

    /// `malloc_trim(0)` on the calling thread (benchmarks measuring steady memory).
    static func trimNow() {
        #if canImport(Glibc)
            guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
            typealias Trim = @convention(c) (Int) -> Int32
            _ = unsafeBitCast(sym, to: Trim.self)(0)
        #endif
    }

    /// `mallopt(M_ARENA_MAX, n)`: fewer malloc arenas keep less freed memory per thread.
    public static func limitArenas(_ n: Int32) {
        #if canImport(Glibc)
            guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            let mArenaMax: Int32 = -8
            _ = unsafeBitCast(sym, to: Mallopt.self)(mArenaMax, n)
        #endif
    }
}
