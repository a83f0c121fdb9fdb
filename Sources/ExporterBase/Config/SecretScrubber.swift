/// Removes secret values from texts derived from a config file (errors, logs, HTTP bodies).
///
/// Parser errors can quote any line of a file, and a file with a syntax error cannot be decoded
/// to learn which values are secret; so the secrets are found in the raw text: the value of
/// every key that names a secret (`password`, `client_secret`, `token`, ... but not the
/// `*_file` / `*_env` / `*_endpoint` keys, which hold where a secret is, not the secret) and
/// every bcrypt hash (`basic_auth_users`). Each is replaced by `<secret>` wherever it appears.
public struct SecretScrubber: Sendable {
    public let secrets: [String]

    public init(yaml: String) {
        var found = Set<String>()
        for line in yaml.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            Self.scan(Substring(line), into: &found)
        }
        // Longest first, so a secret containing another is replaced whole.
        secrets = found.sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
    }

    public func scrub(_ text: String) -> String {
        var out = text
        for secret in secrets where out.contains(secret) {
            out = out.replacing(secret, with: "<secret>")
        }
        return out
    }

    public func scrub(_ error: ConfigError) -> ConfigError {
        var e = error
        e.keyPath = scrub(e.keyPath)
        e.message = scrub(e.message)
        return e
    }

    private static let secretWords = ["password", "passwd", "secret", "token", "credential", "passphrase"]
    private static let locatorSuffixes = ["_file", "_env", "_endpoint", "_path", "_url", "file", "env"]

    /// Finds `key: value` pairs (block or flow style) on one line.
    private static func scan(_ line: Substring, into found: inout Set<String>) {
        let chars = Array(line)
        var i = 0
        while i < chars.count {
            guard chars[i] == ":" else {
                i += 1
                continue
            }
            // The key: the word before the colon (letters, digits, _ - . and quotes).
            var k = i - 1
            while k >= 0, chars[k] == "\"" || chars[k] == "'" { k -= 1 }
            var start = k
            while start >= 0, chars[start].isLetter || chars[start].isNumber || "_-.".contains(chars[start]) {
                start -= 1
            }
            let key = k > start ? String(chars[(start + 1)...k]).lowercased() : ""
            // The value: up to a flow delimiter or a comment, unquoted.
            var v = i + 1
            while v < chars.count, chars[v] == " " || chars[v] == "\t" { v += 1 }
            var end = v
            let quote: Character? = v < chars.count && (chars[v] == "\"" || chars[v] == "'") ? chars[v] : nil
            if let quote {
                end = v + 1
                while end < chars.count, chars[end] != quote { end += 1 }
                record(String(chars[min(v + 1, chars.count)..<min(end, chars.count)]), key: key, into: &found)
            } else {
                while end < chars.count, !",}]".contains(chars[end]), !(chars[end] == "#" && chars[end - 1] == " ") {
                    end += 1
                }
                let raw = String(chars[v..<end]).trimmingTrailingSpaces()
                record(raw, key: key, into: &found)
            }
            i = max(end, i + 1)
        }
        // bcrypt hashes wherever they are (basic_auth_users: user: hash).
        var rest = line[...]
        while let r = rest.range(of: "$2") {
            var end = r.lowerBound
            while end < rest.endIndex, !rest[end].isWhitespace, !"\"',}]".contains(rest[end]) {
                end = rest.index(after: end)
            }
            let hash = String(rest[r.lowerBound..<end])
            if hash.count >= 20 { found.insert(hash) }
            rest = rest[end...]
            if end == rest.endIndex { break }
        }
    }

    private static func record(_ value: String, key: String, into found: inout Set<String>) {
        guard !value.isEmpty, secretWords.contains(where: key.contains),
            !locatorSuffixes.contains(where: key.hasSuffix)
        else { return }
        // "<secret>" replacing a one-letter value everywhere would garble the message; such a
        // value is no secret worth the name, but keep anything of two characters or more.
        if value.count >= 2 { found.insert(value) }
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
