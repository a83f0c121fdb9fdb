/// The name of a partition directory inside a Kafka log dir, parsed the way Kafka parses it
/// (`UnifiedLog.parseTopicPartitionName`). Topic names may contain `.`, `-` and `_`.
///
/// - `<topic>-<partition>`: the live replica.
/// - `<topic>-<partition>.<uniqueId>-future`: a replica being moved into this dir
///   (AlterReplicaLogDirs); it replaces the live one when it has caught up.
/// - `<topic>-<partition>.<uniqueId>-delete`: a replica deleted (topic deleted, replica moved
///   or reassigned away) and waiting for its files to be removed (`file.delete.delay.ms`).
/// - `<topic>-<partition>.<uniqueId>-stray`: a replica the broker found it should not host
///   (KRaft), kept aside until it is deleted.
///
/// Kafka truncates the topic of delete and stray names so that the name fits in 255 bytes:
/// their topic may be a prefix of the real one.
struct PartitionDirName: Sendable, Equatable {
    enum Kind: String, Sendable, Equatable, CaseIterable {
        case live
        case future
        case delete
        case stray
    }

    var topic: String
    var partition: Int32
    var kind: Kind

    init(topic: String, partition: Int32, kind: Kind) {
        self.topic = topic
        self.partition = partition
        self.kind = kind
    }

    /// nil for anything that is not a partition directory (`lost+found`, stray files' dirs).
    init?(_ name: String) {
        var base = Substring(name)
        var kind = Kind.live
        for k in [Kind.future, .delete, .stray] where name.hasSuffix("-\(k.rawValue)") {
            // `<topic>-<partition>.<uniqueId>-<suffix>`: cut at the last `.` (the unique id has none).
            let suffix = name.index(name.endIndex, offsetBy: -(k.rawValue.count + 1))
            guard let dot = name.lastIndex(of: "."), name.distance(from: dot, to: suffix) >= 2 else { return nil }
            base = name[..<dot]
            kind = k
        }
        guard let dash = base.lastIndex(of: "-") else { return nil }
        let digits = base[base.index(after: dash)...]
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), let partition = Int32(digits), dash > base.startIndex
        else { return nil }
        self.init(topic: String(base[..<dash]), partition: partition, kind: kind)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
