import ExporterKit

/// The labels naming a group: `job` plus the `/<label>/<value>` pairs of the push URL, sorted
/// by name. Two pushes with the same key address the same group.
struct GroupingKey: Sendable, Hashable, Codable, Comparable {
    /// Sorted by name, names unique, `job` always present.
    let labels: [Label]

    init(job: String, labels: [String: String]) {
        var all = labels
        all["job"] = job
        self.labels = all.sorted { $0.key < $1.key }.map { Label($0.key, $0.value) }
    }

    init(sorted labels: [Label]) { self.labels = labels }

    var job: String { labels.first { $0.name == "job" }?.value ?? "" }

    func value(of name: String) -> String? { labels.first { $0.name == name }?.value }

    static func < (a: GroupingKey, b: GroupingKey) -> Bool {
        a.labels.lexicographicallyPrecedes(b.labels) { ($0.name, $0.value) < ($1.name, $1.value) }
    }

    /// `job="a",instance="b"`: for logs and messages.
    var description: String { labels.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ",") }
}
