import ExporterKit

/// The checks a push passes before anything held changes. The Pushgateway's rules (it runs
/// Prometheus' gatherer over the whole state to find out), plus two of our own that it
/// lacks: a pushed label that contradicts the grouping key, and a help text that differs
/// from the one other groups hold for the family, are refused instead of silently rewritten.
enum ConsistencyCheck {
    /// Adds the grouping labels (and `instance=""` when absent) to every series and sorts
    /// labels; refuses a series carrying a grouping label with another value.
    static func sanitize(_ families: inout [String: PushedFamily], key: GroupingKey) throws(PushRefusal) {
        let hasInstance = key.value(of: "instance") != nil
        for name in families.keys {
            var f = families[name]!
            for i in f.metrics.indices {
                var labels = f.metrics[i].labels
                for g in key.labels {
                    if let l = labels.first(where: { $0.name == g.name }) {
                        guard l.value == g.value else {
                            throw .inconsistent(
                                "metric \"\(name)\" has label \(g.name)=\"\(l.value)\" but the grouping key says \(g.name)=\"\(g.value)\""
                            )
                        }
                    } else {
                        labels.append(g)
                    }
                }
                if !hasInstance && !labels.contains(where: { $0.name == "instance" }) {
                    labels.append(Label("instance", ""))
                }
                labels.sort { $0.name < $1.name }
                f.metrics[i].labels = labels
            }
            families[name] = f
        }
    }

    /// Duplicate series within the push.
    static func uniqueSeries(_ families: [String: PushedFamily]) throws(PushRefusal) {
        for f in families.values where f.metrics.count > 1 {
            var seen = Set<[Label]>(minimumCapacity: f.metrics.count)
            for m in f.metrics where !seen.insert(m.labels).inserted {
                throw .inconsistent(
                    "collected metric \"\(f.name)\" {\(render(m.labels))} was collected before with the same name and label values"
                )
            }
        }
    }

    /// Type and help against other groups and the gateway's own families; name collisions
    /// between summaries/histograms and `_sum`/`_count`/`_bucket` families.
    static func families(
        pushed: [String: PushedFamily], resulting: [String: PushedFamily], index: FamilyIndex, current: Group?,
        own: [String: OwnFamily]
    ) throws(PushRefusal) {
        func exists(_ name: String) -> PushedType? {
            if let f = resulting[name] { return f.type }
            if let e = index.others(name, excluding: current) { return e.type }
            return own[name]?.type
        }
        for f in pushed.values {
            if let e = index.others(f.name, excluding: current) {
                if e.type != f.type {
                    throw .inconsistent(
                        "metric family \(f.name) has type \(f.type.protoName) but other groups hold it as \(e.type.protoName)"
                    )
                }
                if e.help != f.help {
                    throw .inconsistent(
                        "metric family \(f.name) has help \(quoted(f.help)) but other groups hold it with help \(quoted(e.help))"
                    )
                }
            }
            if let o = own[f.name], o.type != f.type {
                throw .inconsistent(
                    "metric family \(f.name) has type \(f.type.protoName) but the gateway's own metric of that name is a \(o.type.protoName)"
                )
            }
            for suffix in ["_count", "_sum", "_bucket"] where f.name.hasSuffix(suffix) {
                let base = String(f.name.dropLast(suffix.count))
                switch exists(base) {
                case .histogram:
                    throw .inconsistent("metric named \"\(f.name)\" collides with histogram named \"\(base)\"")
                case .summary where suffix != "_bucket":
                    throw .inconsistent("metric named \"\(f.name)\" collides with summary named \"\(base)\"")
                default: break
                }
            }
            if f.type == .summary || f.type == .histogram {
                for suffix in f.type == .histogram ? ["_count", "_sum", "_bucket"] : ["_count", "_sum"]
                where exists(f.name + suffix) != nil {
                    throw .inconsistent(
                        "\(f.type.rawValue) named \"\(f.name)\" collides with metric named \"\(f.name + suffix)\"")
                }
            }
        }
    }

    /// The same series held by another group (possible when one group's grouping labels are
    /// pushed as ordinary labels to another group of the same job).
    static func crossGroupDuplicates(
        pushed: [String: PushedFamily], key: GroupingKey, candidates: some Sequence<Group>
    ) throws(PushRefusal) {
        for g in candidates where g.key != key && compatible(g.key, key) {
            for f in pushed.values {
                guard let held = g.families[f.name], !held.metrics.isEmpty else { continue }
                let heldSets = Set(held.metrics.map(\.labels))
                for m in f.metrics where heldSets.contains(m.labels) {
                    throw .inconsistent(
                        "collected metric \"\(f.name)\" {\(render(m.labels))} is also held by the group {\(g.key.description)}"
                    )
                }
            }
        }
    }

    /// Keys that agree on every label they share (only such groups can hold the same series).
    static func compatible(_ a: GroupingKey, _ b: GroupingKey) -> Bool {
        for l in a.labels {
            if let v = b.value(of: l.name), v != l.value { return false }
        }
        return true
    }

    static func render(_ labels: [Label]) -> String {
        labels.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ",")
    }

    static func quoted(_ help: String?) -> String { help.map { "\"\($0)\"" } ?? "(none)" }
}

/// A family the gateway serves itself (process, build info, its own counters): pushed
/// families of the same name must have its type; its help is served.
struct OwnFamily: Sendable, Equatable {
    var type: PushedType
    var help: String
}
