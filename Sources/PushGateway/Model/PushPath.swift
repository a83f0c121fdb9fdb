import ExporterKit
import Foundation

/// Parses the grouping key out of a push URL path, with the Pushgateway's rules:
/// `/metrics/job/<job>{/<label>/<value>}`, `@base64` after a name marks its value as
/// URL-safe base64 (padding optional; `=` alone is the empty value), a trailing `/` after a
/// name gives it the empty value, names must be valid and not start with `__`, a repeated
/// name keeps the last value.
enum PushPath {
    struct Failure: Error, Equatable, CustomStringConvertible {
        let description: String
    }

    static let prefix = "/metrics/job"

    /// `path` is the request path (percent-encoded as sent).
    static func groupingKey(path: String) -> Result<GroupingKey, Failure> {
        guard path.hasPrefix(prefix) else { return .failure(Failure(description: "not a push path")) }
        // The Pushgateway routes on the decoded path: `%2F` separates like `/` (hence @base64).
        let rest = path.dropFirst(prefix.count).description.removingPercentEncodingLenient(plusAsSpace: false)
        var base64Job = false
        var tail = Substring(rest)
        if tail.hasPrefix("@base64/") {
            base64Job = true
            tail = tail.dropFirst("@base64".count)
        }
        guard tail.hasPrefix("/") else { return .failure(Failure(description: "job name is required")) }
        tail = tail.dropFirst()
        let jobEnd = tail.firstIndex(of: "/") ?? tail.endIndex
        var job = String(tail[..<jobEnd])
        let labelString = tail[jobEnd...]
        if base64Job {
            guard let decoded = decodeBase64(job) else {
                return .failure(Failure(description: "invalid base64 encoding in job name \"\(job)\""))
            }
            job = decoded
        }
        let labels: [String: String]
        switch splitLabels(labelString) {
        case .success(let l): labels = l
        case .failure(let f): return .failure(f)
        }
        guard !job.isEmpty else { return .failure(Failure(description: "job name is required")) }
        return .success(GroupingKey(job: job, labels: labels))
    }

    static func splitLabels(_ s: Substring) -> Result<[String: String], Failure> {
        var result: [String: String] = [:]
        guard s.count > 1 else { return .success(result) }
        let parts = s.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count % 2 == 0 else {
            return .failure(Failure(description: "odd number of components in label string \"\(s)\""))
        }
        var i = 0
        while i < parts.count {
            let name = parts[i]
            let value = String(parts[i + 1])
            let isBase64 = name.hasSuffix("@base64")
            let trimmed = isBase64 ? String(name.dropLast("@base64".count)) : String(name)
            guard ExpositionValidator.isValidLabelName(trimmed) else {
                return .failure(Failure(description: "improper label name \"\(trimmed)\""))
            }
            if isBase64 {
                guard let decoded = decodeBase64(value) else {
                    return .failure(
                        Failure(description: "invalid base64 encoding for label \(trimmed)=\"\(value)\""))
                }
                result[trimmed] = decoded
            } else {
                result[trimmed] = value
            }
            i += 2
        }
        return .success(result)
    }

    /// RFC 4648 URL-safe alphabet, trailing `=` ignored; nil when invalid or not UTF-8.
    static func decodeBase64(_ s: String) -> String? {
        var t = s
        while t.hasSuffix("=") { t.removeLast() }
        if t.contains(where: { $0 == "+" || $0 == "/" || $0 == "=" }) { return nil }
        var std = t.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        // A single leftover character cannot encode a byte: invalid, as in Go.
        if std.count % 4 == 1 { return nil }
        while std.count % 4 != 0 { std += "=" }
        guard let data = Data(base64Encoded: std) else { return nil }
        return String(data: data, encoding: .utf8)
    }
}
