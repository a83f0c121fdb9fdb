#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Opens the sock_diag socket in the network namespace of `<procfs>/1/ns/net`, so a container
/// given the host's /proc (`--path.procfs=/host/proc`) sees the host's sockets.
///
/// A netlink socket stays in the namespace it was created in. The calling thread enters the
/// target namespace (setns needs CAP_SYS_ADMIN), creates the socket and returns to its own
/// namespace before anything else runs on it.
public enum NetNamespace {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// `procfs`: the procfs root whose pid 1 names the namespace, or nil for the exporter's own.
    public static func openSockDiag(procfs: String?) throws -> SockDiagSocket {
        guard let procfs else { return try SockDiagSocket() }
        // Already there (host network with the host's /proc: the usual deployment)? That needs no
        // privilege to find out, unlike opening pid 1's namespace file.
        if sameNamespaceByProcNet(procfs + "/1/net/tcp", "/proc/thread-self/net/tcp") { return try SockDiagSocket() }
        let target = procfs + "/1/ns/net"
        let targetFD = open(target, O_RDONLY | O_CLOEXEC)
        guard targetFD >= 0 else {
            let e = errno
            let hint =
                e == EACCES || e == EPERM
                ? " (opening another user's process namespace needs CAP_SYS_PTRACE, or run with the host network)"
                : ""
            throw Failure(description: "cannot open \(target): \(String(cString: strerror(e)))\(hint)")
        }
        defer { close(targetFD) }
        let ownFD = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard ownFD >= 0 else {
            throw Failure(description: "cannot open /proc/thread-self/ns/net: \(String(cString: strerror(errno)))")
        }
        defer { close(ownFD) }
        if try sameFile(targetFD, ownFD) { return try SockDiagSocket() }
        guard let setns = setnsFunction else {
            throw Failure(description: "this C library has no setns(2)")
        }
        if setns(targetFD, cloneNewNet) != 0 {
            let e = errno
            let hint = e == EPERM ? " (needs CAP_SYS_ADMIN; or run the exporter in the host network namespace)" : ""
            throw Failure(
                description:
                    "cannot enter the network namespace of \(target): \(String(cString: strerror(e)))\(hint)")
        }
        let result = Result { () throws(SockDiagError) in try SockDiagSocket() }
        if setns(ownFD, cloneNewNet) != 0 {
            // The thread would run on in the other namespace: nothing after this could be trusted.
            fatalError("cannot return to the exporter's network namespace: \(String(cString: strerror(errno)))")
        }
        return try result.get()
    }

    private static let cloneNewNet: Int32 = 0x4000_0000  // CLONE_NEWNET

    /// setns(2) is declared only under _GNU_SOURCE, which Swift's Glibc module does not define.
    private static let setnsFunction: (@convention(c) (Int32, Int32) -> Int32)? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "setns") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    }()

    /// Each namespace has its own /proc/net entries, numbered from one counter shared by every
    /// procfs mount, so equal inode numbers of `net/tcp` mean one namespace. Readable by anyone.
    static func sameNamespaceByProcNet(_ a: String, _ b: String) -> Bool {
        var sa = stat()
        var sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_ino == sb.st_ino
    }

    private static func sameFile(_ a: Int32, _ b: Int32) throws -> Bool {
        var sa = stat()
        var sb = stat()
        guard fstat(a, &sa) == 0, fstat(b, &sb) == 0 else {
            throw Failure(description: "fstat on a namespace file: \(String(cString: strerror(errno)))")
        }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }
}
