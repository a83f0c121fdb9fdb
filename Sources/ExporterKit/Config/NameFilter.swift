import Foundation

/// `allow`/`deny` regular expressions for group or topic names (Burrow's whitelist/blacklist):
/// a name is kept when it matches `allow` (if set) and does not match `deny` (if set).
/// Matching is unanchored, like Go's `MatchString` (write `^...$` for whole names).
public struct NameFilter: Decodable, Sendable, Equatable {
    public var allow: String?
    public var deny: String?
    private let allowRegex: Compiled?
    private let denyRegex: Compiled?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case allow, deny
    }

    public init(allow: String? = nil, deny: String? = nil) throws {
        self.allow = allow
        self.deny = deny
        allowRegex = try allow.map(Compiled.init)
        denyRegex = try deny.map(Compiled.init)
    }

    public init() {
        allow = nil
        deny = nil
        allowRegex = nil
        denyRegex = nil
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        allow = try c.decodeIfPresent(String.self, forKey: .allow)
        deny = try c.decodeIfPresent(String.self, forKey: .deny)
        do {
            allowRegex = try allow.map(Compiled.init)
        } catch {
            throw decoder.invalid(CodingKeys.allow, "invalid regular expression \"\(allow ?? "")\"")
        }
        do {
            denyRegex = try deny.map(Compiled.init)
        } catch {
            throw decoder.invalid(CodingKeys.deny, "invalid regular expression \"\(deny ?? "")\"")
        }
    }

    public var isEmpty: Bool { allow == nil && deny == nil }

    public func keeps(_ name: String) -> Bool {
        if let allowRegex, !allowRegex.matches(name) { return false }
        if let denyRegex, denyRegex.matches(name) { return false }
        return true
    }

    public static func == (a: NameFilter, b: NameFilter) -> Bool { a.allow == b.allow && a.deny == b.deny }

    private struct Compiled: @unchecked Sendable {
        // NSRegularExpression is immutable and documented thread-safe.
        let regex: NSRegularExpression

        init(_ pattern: String) throws {
            regex = try NSRegularExpression(pattern: pattern)
        }

        func matches(_ s: String) -> Bool {
            regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
        }
    }
}
