import Foundation

/// Reads log dirs from the local filesystem (sidecar mode).
///
/// - total / usable: `statvfs`: `f_blocks * f_frsize` and `f_bavail * f_frsize` (usable by an
///   unprivileged writer, like `df`'s "avail"; Kafka's UsableBytes is the same notion).
/// - used: the sum of `st_size` (apparent size, as Kafka's partition size) of the regular files
///   inside each partition directory (the log dir's subdirectories named as Kafka names them:
///   live, future, delete and stray replicas alike, since all of them fill the volume). Sparse
///   preallocated index files count at their apparent size.
/// - topic bytes: live replicas only. A future replica is a copy of a live one (counted in
///   `futureReplicas`, as DescribeLogDirs does); delete and stray dirs no longer belong to the
///   topic (and may carry a truncated name).
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
            // Other directories (`lost+found`) hold no Kafka partition: not counted.
            guard let name = PartitionDirName(entry) else { continue }
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
            switch name.kind {
            case .live: report.topicBytes[name.topic, default: 0] += bytes
            case .future: report.futureReplicas += 1
            case .delete, .stray: break
            }
        }
        report.usedBytes = used
        return report
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
