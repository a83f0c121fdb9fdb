/// Per-broker and per-cluster volume totals without double counting.
///
/// The rule: a filesystem is counted once. Two log dirs are on the same filesystem when their
/// device is known and equal (sidecar mode, `st_dev`), or, when the device is unknown (remote
/// mode, DescribeLogDirs), when they belong to the **same broker** and report **identical total
/// AND usable bytes** (the broker measured the same volume twice). Dirs of different brokers are
/// never merged, even with identical numbers: brokers run on different machines. Offline dirs
/// and dirs with unknown totals do not contribute to total/usable. Used bytes are per dir
/// (partitions live in exactly one dir) and are always summed; a total of used bytes is only
/// given when every online dir of the scope reported it.
struct VolumeTotals: Sendable, Equatable {
    var totalBytes: Int64?
    var usableBytes: Int64?
    var usedBytes: Int64?
    /// Distinct filesystems counted.
    var volumes: Int

    static let zero = VolumeTotals(totalBytes: nil, usableBytes: nil, usedBytes: nil, volumes: 0)

    /// Totals of the dirs of one broker.
    static func broker(_ dirs: [LogDirReport]) -> VolumeTotals {
        struct Key: Hashable {
            var device: UInt64?
            var total: Int64
            var usable: Int64
        }
        var seen: Set<Key> = []
        var total: Int64 = 0
        var usable: Int64 = 0
        var volumes = 0
        for d in dirs where d.online {
            guard let t = d.totalBytes, let u = d.usableBytes else { continue }
            let key = d.device.map { Key(device: $0, total: 0, usable: 0) } ?? Key(device: nil, total: t, usable: u)
            guard seen.insert(key).inserted else { continue }
            total += t
            usable += u
            volumes += 1
        }
        let online = dirs.filter(\.online)
        let used: Int64? =
            online.isEmpty || online.contains { $0.usedBytes == nil } ? nil : online.reduce(0) { $0 + $1.usedBytes! }
        return VolumeTotals(
            totalBytes: volumes > 0 ? total : nil, usableBytes: volumes > 0 ? usable : nil, usedBytes: used,
            volumes: volumes)
    }

    /// Totals per broker label and for the cluster (sum of the brokers' totals).
    static func compute(_ dirs: [LogDirReport]) -> (brokers: [String: VolumeTotals], cluster: VolumeTotals) {
        let byBroker = Dictionary(grouping: dirs, by: \.broker).mapValues(broker)
        var cluster = VolumeTotals.zero
        var usedComplete = !byBroker.isEmpty
        var used: Int64 = 0
        for t in byBroker.values {
            if let x = t.totalBytes { cluster.totalBytes = (cluster.totalBytes ?? 0) + x }
            if let x = t.usableBytes { cluster.usableBytes = (cluster.usableBytes ?? 0) + x }
            if let x = t.usedBytes { used += x } else { usedComplete = false }
            cluster.volumes += t.volumes
        }
        cluster.usedBytes = usedComplete ? used : nil
        return (byBroker, cluster)
    }
}
