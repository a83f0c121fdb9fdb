import Foundation

/// Reads log dirs from the local filesystem (sidecar mode).
///
/// - total / usable: `statvfs`: `f_blocks * f_frsize` and `f_bavail * f_frsize` (usable by an
///   unprivileged writer, like `df`'s "avail"; Kafka's UsableBytes is the same notion).
/// - used: the sum of `st_size` (apparent size, as Kafka's partition size) of the regular files
///   inside each partition directory (direct subdirectories of the log dir, `topic-N`, including
///   `-future`/`-delete` dirs). Sparse preallocated index files count at their apparent size.
/// - device: `st_dev` of the log dir, so two dirs on one filesystem are counted once.
enum SidecarLogDirs {
    static func read(broker: String, dirs: [String]) -> [LogDirReport] {
        dirs.map { read(broker: broker, dir: $0) }
    }

    static func read(broker: String, dir: String) -> LogDirReport {
        var report = LogDirReport(broker: broker, logDir: dir, online: false)
        var st = stat()
        guard stat(dir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return report }
        var fs = statvfs()
        guard statvfs(dir, &fs) == 0 else { return report }
        report.online = true
        report.device = UInt64(st.st_dev)
        report.totalBytes = Int64(fs.f_blocks) * Int64(fs.f_frsize)
        report.usableBytes = Int64(fs.f_bavail) * Int64(fs.f_frsize)
        var used: Int64 = 0
        for entry in listDirectory(dir) {
            let partitionDir = dir + "/" + entry
            var pst = stat()
            guard lstat(partitionDir, &pst) == 0, (pst.st_mode & S_IFMT) == S_IFDIR else { continue }
            var bytes: Int64 = 0
            for file in listDirectory(partitionDir) {
                var fst = stat()
                guard lstat(partitionDir + "/" + file, &fst) == 0, (fst.st_mode & S_IFMT) == S_IFREG else { continue }
                bytes += Int64(fst.st_size)
            }
            used += bytes
            if let topic = topicName(ofPartitionDir: entry) { report.topicBytes[topic, default: 0] += bytes }
        }
        report.usedBytes = used
        return report
    }

    /// `orders-3` → `orders`; future/deleted dirs (`orders-3.<uuid>-future`) → nil.
    static func topicName(ofPartitionDir name: String) -> String? {
        guard let dash = name.lastIndex(of: "-"), !name.contains("."),
            Int(name[name.index(after: dash)...]) != nil
        else { return nil }
        let topic = String(name[..<dash])
        return topic.isEmpty ? nil : topic
    }

    private static func listDirectory(_ path: String) -> [String] {
        guard let d = opendir(path) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
