import ExporterKit
import Foundation

/// The few keys of a broker's `server.properties` the sidecar needs (Java properties syntax:
/// `key=value` or `key: value`, `#`/`!` comments; line continuations are not supported).
struct ServerProperties: Sendable, Equatable {
    var values: [String: String]

    init(parsing text: String) {
        values = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#"), !line.hasPrefix("!") else { continue }
            guard let sep = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            let key = line[..<sep].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: sep)...].trimmingCharacters(in: .whitespaces)
            values[key] = value
        }
    }

    static func load(path: String) throws -> ServerProperties {
        ServerProperties(parsing: try ProcFileReader.readString(path: path))
    }

    /// `log.dirs` (comma list) wins over `log.dir`; Kafka's default is /tmp/kafka-logs.
    var logDirs: [String] {
        let text = values["log.dirs"] ?? values["log.dir"] ?? "/tmp/kafka-logs"
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `node.id` (KRaft) or `broker.id` (ZooKeeper mode).
    var brokerId: String? { values["node.id"] ?? values["broker.id"] }
}
