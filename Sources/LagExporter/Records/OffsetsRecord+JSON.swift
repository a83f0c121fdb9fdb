import ExporterKit
import KafkaWire

/// The `lag-exporter decode` JSON line of a record (field order fixed, for diffing).
extension OffsetsRecord {
    public var json: String {
        var o = JSONObject()
        o.add("type", .int(Int64(type)))
        switch self {
        case .offsetCommit(let c):
            o.add("kind", .string("offset_commit"))
            o.add("group", .string(c.group))
            o.add("tombstone", .bool(c.value == nil))
            o.add("topic", .string(c.topic))
            o.add("partition", .int(Int64(c.partition)))
            if let v = c.value {
                o.add("value_version", .int(Int64(v.version)))
                o.add("offset", .int(v.offset))
                o.add("leader_epoch", .int(Int64(v.leaderEpoch)))
                o.add("metadata", .string(v.metadata))
                o.add("commit_timestamp", .int(v.commitTimestamp))
                o.add("expire_timestamp", .int(v.expireTimestamp))
                o.add("topic_id", v.topicId.map { .string($0.description) } ?? .null)
            }
        case .groupMetadata(let g):
            o.add("kind", .string("group_metadata"))
            o.add("group", .string(g.group))
            o.add("tombstone", .bool(g.value == nil))
            if let v = g.value {
                o.add("value_version", .int(Int64(v.version)))
                o.add("protocol_type", .string(v.protocolType))
                o.add("generation", .int(Int64(v.generation)))
                o.add("protocol", v.protocol.map { .string($0) } ?? .null)
                o.add("leader", v.leader.map { .string($0) } ?? .null)
                o.add("current_state_timestamp", .int(v.currentStateTimestamp))
                o.add(
                    "members",
                    .raw(
                        "["
                            + v.members.map { m in
                                var mo = JSONObject()
                                mo.add("member_id", .string(m.memberId))
                                mo.add("group_instance_id", m.groupInstanceId.map { .string($0) } ?? .null)
                                mo.add("client_id", .string(m.clientId))
                                mo.add("client_host", .string(m.clientHost))
                                mo.add("rebalance_timeout", .int(Int64(m.rebalanceTimeout)))
                                mo.add("session_timeout", .int(Int64(m.sessionTimeout)))
                                mo.add(
                                    "assignment",
                                    m.assignment.map { list in
                                        .raw(
                                            "["
                                                + list.map { a in
                                                    var ao = JSONObject()
                                                    ao.add("topic", .string(a.topic))
                                                    ao.add(
                                                        "partitions",
                                                        .raw(
                                                            "[" + a.partitions.map(String.init).joined(separator: ",")
                                                                + "]"))
                                                    return ao.text
                                                }.joined(separator: ",") + "]")
                                    } ?? .null)
                                return mo.text
                            }.joined(separator: ",") + "]"))
            }
        case .skipped(_, let group, let tombstone):
            o.add("kind", .string("skipped"))
            o.add("group", group.map { .string($0) } ?? .null)
            o.add("tombstone", .bool(tombstone))
        }
        return o.text
    }
}

/// A JSON object with keys in insertion order.
struct JSONObject {
    enum Value {
        case string(String)
        case int(Int64)
        case bool(Bool)
        case null
        case raw(String)
    }

    private var parts: [String] = []

    mutating func add(_ key: String, _ value: Value) {
        parts.append(JSONText.quoted(key) + ":" + Self.render(value))
    }

    var text: String { "{" + parts.joined(separator: ",") + "}" }

    static func render(_ v: Value) -> String {
        switch v {
        case .string(let s): return JSONText.quoted(s)
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .raw(let r): return r
        }
    }
}
