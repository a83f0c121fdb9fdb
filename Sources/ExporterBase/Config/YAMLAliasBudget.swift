internal import CYaml

/// Refuses YAML whose aliases expand to more nodes than any exporter config needs.
///
/// Yams shares an aliased node, but decoding walks every reference and its duplicate-key check
/// hashes aliased mapping keys in full: a 430-byte "billion laughs" file took 29 s and pinned
/// both cores on every reload. One pass over libyaml's events (linear in the file) computes the
/// expanded size first: each anchor records its subtree's expanded size, each alias adds it.
enum YAMLAliasBudget {
    /// Expanded nodes allowed; ordinary configs have a few hundred, aliases or not.
    static let maxExpandedNodes = 100_000

    /// Throws when the document expands past the limit. Syntax errors are left to the decoder,
    /// which reports them with a position.
    static func check(_ yaml: String, file: String?, limit: Int = maxExpandedNodes) throws(ConfigError) {
        guard yaml.utf8.contains(UInt8(ascii: "*")) else { return }  // no alias, nothing to expand
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return }
        defer { yaml_parser_delete(&parser) }
        var utf8 = Array(yaml.utf8)
        let exceeded: Bool = utf8.withUnsafeMutableBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var anchors: [String: Int] = [:]
            // Open collections: (anchor, expanded size so far, counting the collection itself).
            var open: [(anchor: String?, size: Int)] = []
            var total = 0
            func add(_ size: Int, anchor: String?) {
                if let anchor { anchors[anchor] = size }
                if open.isEmpty {
                    total = total.addingReportingOverflow(size).overflow ? Int.max : total + size
                } else {
                    let sum = open[open.count - 1].size.addingReportingOverflow(size)
                    open[open.count - 1].size = sum.overflow ? Int.max : sum.partialValue
                }
            }
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return false
                case YAML_SCALAR_EVENT:
                    add(1, anchor: name(event.data.scalar.anchor))
                case YAML_ALIAS_EVENT:
                    add(name(event.data.alias.anchor).flatMap { anchors[$0] } ?? 1, anchor: nil)
                case YAML_SEQUENCE_START_EVENT:
                    open.append((name(event.data.sequence_start.anchor), 1))
                case YAML_MAPPING_START_EVENT:
                    open.append((name(event.data.mapping_start.anchor), 1))
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    if let done = open.popLast() { add(done.size, anchor: done.anchor) }
                default:
                    break
                }
                // Only the innermost open collection (or the total) can have grown past the limit.
                if total > limit || (open.last?.size ?? 0) > limit { return true }
            }
            return false  // a syntax error: the decoder reports it
        }
        if exceeded {
            throw ConfigError(
                file: file, keyPath: "",
                message: "YAML aliases expand to more than \(limit) nodes (an alias bomb?): refused")
        }
    }

    private static func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}
