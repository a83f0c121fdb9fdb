/// JSON string escaping for the hand-written JSON the exporters print (JSON log lines,
/// `lag-exporter decode`), where key order must stay fixed.
public enum JSONText {
    /// Escapes a string for the inside of JSON double quotes.
    public static func escape(_ v: String) -> String {
        var out = ""
        for scalar in v.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The string as a JSON string literal, quotes included.
    public static func quoted(_ v: String) -> String { "\"" + escape(v) + "\"" }
}
