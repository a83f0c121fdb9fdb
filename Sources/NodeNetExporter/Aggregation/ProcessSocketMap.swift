import ExporterKit
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Maps socket inodes to the names of matching processes by walking `/proc/<pid>/fd`.
///
/// Walking every fd of every process is costly, so only processes whose name matches are
/// walked, names are cached per pid, and the inode map is reused for `maxAge` (sockets
/// opened since then are attributed at the next walk). Permission errors (other users'
/// processes without CAP_SYS_PTRACE) are counted, never fatal.
public final class ProcessSocketMap: Sendable {
    public struct Snapshot: Sendable {
        public var inodeToProcess: [UInt64: String] = [:]
        /// Matching processes per name.
        public var processes: [String: Int] = [:]
        public var walkedAt: ContinuousClock.Instant?
    }

    private struct State {
        var names: [Int32: String] = [:]
        var snapshot = Snapshot()
        var errors: [String: Int] = [:]
    }

    public let procfs: String
    public let filter: ProcessNameFilter
    public let maxAge: Duration
    private let state = Mutex(State())

    public init(procfs: String, filter: ProcessNameFilter, maxAge: Duration) {
        self.procfs = procfs
        self.filter = filter
        self.maxAge = maxAge
    }

    /// Cumulative walk errors by reason ("permission", "vanished", "other").
    public var errors: [String: Int] { state.withLock { $0.errors } }

    /// The current map, walking /proc again if it is older than `maxAge`. Blocking.
    public func snapshot() -> Snapshot {
        let now = ContinuousClock.now
        if let s = state.withLock({ $0.snapshot.walkedAt.map { now - $0 < maxAge } == true ? $0.snapshot : nil }) {
            return s
        }
        var names = state.withLock { $0.names }
        var errors: [String: Int] = [:]
        var snapshot = Snapshot(walkedAt: now)
        var alive: [Int32: String] = [:]
        for pid in listPIDs() {
            let name: String
            if let cached = names[pid] {
                name = cached
            } else if let n = readName(pid) {
                name = n
            } else {
                continue  // exited between listing and reading
            }
            alive[pid] = name
            guard filter.matches(name) else { continue }
            snapshot.processes[name, default: 0] += 1
            walkFDs(pid, name: name, into: &snapshot.inodeToProcess, errors: &errors)
        }
        names = alive
        state.withLock { s in
            s.names = names
            s.snapshot = snapshot
            for (k, v) in errors { s.errors[k, default: 0] += v }
        }
        return snapshot
    }

    private func listPIDs() -> [Int32] {
        guard let dir = opendir(procfs) else { return [] }
        defer { closedir(dir) }
        var pids: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let pid = Int32(name) { pids.append(pid) }
        }
        return pids
    }

    private func readName(_ pid: Int32) -> String? {
        guard let comm = try? ProcFileReader.readString(path: "\(procfs)/\(pid)/comm") else { return nil }
        let c = comm.hasSuffix("\n") ? String(comm.dropLast()) : comm
        var cmdline: [String] = []
        if c == "java", let raw = try? ProcFileReader.readString(path: "\(procfs)/\(pid)/cmdline") {
            cmdline = raw.split(separator: "\0").map(String.init)
        }
        return ProcessNameFilter.processName(comm: c, cmdline: cmdline)
    }

    private func walkFDs(_ pid: Int32, name: String, into map: inout [UInt64: String], errors: inout [String: Int]) {
        let path = "\(procfs)/\(pid)/fd"
        guard let dir = opendir(path) else {
            errors[Self.reason(errno), default: 0] += 1
            return
        }
        defer { closedir(dir) }
        var link = [CChar](repeating: 0, count: 64)
        while let entry = readdir(dir) {
            let fdName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard fdName.first != "." else { continue }
            let n = readlink(path + "/" + fdName, &link, link.count - 1)
            guard n > 8 else { continue }
            // "socket:[12345]"
            let target = link.prefix(n).map { UInt8(bitPattern: $0) }
            guard target.starts(with: Array("socket:[".utf8)), target.last == UInt8(ascii: "]") else { continue }
            if let inode = UInt64(String(decoding: target.dropFirst(8).dropLast(), as: UTF8.self)) {
                map[inode] = name
            }
        }
    }

    static func reason(_ e: Int32) -> String {
        switch e {
        case EACCES, EPERM: return "permission"
        case ENOENT, ESRCH: return "vanished"
        default: return "other"
        }
    }
}
