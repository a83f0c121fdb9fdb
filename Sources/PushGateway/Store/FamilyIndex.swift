/// Type and help of every family name held, and by how many groups: a push is checked
/// against the other groups in time proportional to what it pushes, not to what is held.
struct FamilyIndex: Sendable {
    struct Entry: Sendable, Equatable {
        var type: PushedType
        var help: String?
        var holders: Int
    }

    private(set) var entries: [String: Entry] = [:]

    mutating func add(_ families: some Sequence<PushedFamily>) {
        for f in families {
            if entries[f.name] != nil {
                entries[f.name]!.holders += 1
            } else {
                entries[f.name] = Entry(type: f.type, help: f.help, holders: 1)
            }
        }
    }

    mutating func remove(_ families: some Sequence<PushedFamily>) {
        for f in families {
            guard var e = entries[f.name] else { continue }
            e.holders -= 1
            entries[f.name] = e.holders > 0 ? e : nil
        }
    }

    /// The entry as seen by a group that currently holds `own` (its own contribution left out).
    func others(_ name: String, excluding own: Group?) -> Entry? {
        guard var e = entries[name] else { return nil }
        if own?.families[name] != nil { e.holders -= 1 }
        return e.holders > 0 ? e : nil
    }
}
