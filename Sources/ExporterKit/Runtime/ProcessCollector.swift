#if canImport(Glibc)
    import Glibc
#endif

/// The standard `process_*` metrics, read from /proc/self like client_golang does.
public struct ProcessCollector: Collector {
    public let name = "process"

    public init() {}

    public func collect() async throws -> [MetricFamily] {
        let stat = try ProcessStat.read()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        var families: [MetricFamily] = [
            .single(
                name: "process_cpu_seconds", help: "Total user and system CPU time spent in seconds.", type: .counter,
                unit: "seconds", value: Double(stat.utime + stat.stime) / ticks),
            .single(
                name: "process_resident_memory_bytes", help: "Resident memory size in bytes.", unit: "bytes",
                value: Double(stat.rssPages) * pageSize),
            .single(
                name: "process_virtual_memory_bytes", help: "Virtual memory size in bytes.", unit: "bytes",
                value: Double(stat.vsize)),
            .single(
                name: "process_open_fds", help: "Number of open file descriptors.", value: Double(try countOpenFDs())),
        ]
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            families.append(
                .single(
                    name: "process_max_fds", help: "Maximum number of open file descriptors.",
                    value: limit.rlim_cur == rlim_t.max ? Double.infinity : Double(limit.rlim_cur)))
        }
        if let bootTime = try? Self.bootTime() {
            families.append(
                .single(
                    name: "process_start_time_seconds",
                    help: "Start time of the process since unix epoch in seconds.", unit: "seconds",
                    value: bootTime + Double(stat.startTicks) / ticks))
        }
        return families
    }

    private func countOpenFDs() throws -> Int {
        guard let dir = opendir("/proc/self/fd") else {
            throw ProcFileError(operation: "opendir", path: "/proc/self/fd", errno: errno)
        }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            if entry.pointee.d_name.0 != UInt8(ascii: ".") { count += 1 }
        }
        return count - 1  // the directory stream's own descriptor
    }

    static func bootTime() throws -> Double {
        for line in try ProcFileReader.readString(path: "/proc/stat").split(separator: "\n")
        where line.hasPrefix("btime ") {
            if let v = Double(line.dropFirst(6).trimmingSpaces()) { return v }
        }
        throw ProcFileError(operation: "parse btime in", path: "/proc/stat", errno: EINVAL)
    }
}

/// The fields of /proc/self/stat the process metrics need.
struct ProcessStat {
    var utime: UInt64
    var stime: UInt64
    var startTicks: UInt64
    var vsize: UInt64
    var rssPages: Int64

    static func read(path: String = "/proc/self/stat") throws -> ProcessStat {
        try parse(try ProcFileReader.readString(path: path), path: path)
    }

    /// The command name is in parentheses and may contain spaces and ')': fields are counted
    /// from the last ')'.
    static func parse(_ text: String, path: String) throws -> ProcessStat {
        guard let close = text.lastIndex(of: ")") else {
            throw ProcFileError(operation: "parse", path: path, errno: EINVAL)
        }
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // fields[0] is field 3 (state) of proc(5).
        func field(_ n: Int) -> Substring? { n - 3 < fields.count ? fields[n - 3] : nil }
        guard let ut = field(14).flatMap({ UInt64($0) }), let st = field(15).flatMap({ UInt64($0) }),
            let start = field(22).flatMap({ UInt64($0) }), let vs = field(23).flatMap({ UInt64($0) }),
            let rss = field(24).flatMap({ Int64($0) })
        else { throw ProcFileError(operation: "parse", path: path, errno: EINVAL) }
        return ProcessStat(utime: ut, stime: st, startTicks: start, vsize: vs, rssPages: rss)
    }
}
