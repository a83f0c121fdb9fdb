import ExporterKit
import Testing

@testable import PushGateway

@Suite struct PushPathTests {
    func key(_ path: String) -> [String: String]? {
        guard case .success(let k) = PushPath.groupingKey(path: path) else { return nil }
        return Dictionary(uniqueKeysWithValues: k.labels.map { ($0.name, $0.value) })
    }

    func error(_ path: String) -> String? {
        guard case .failure(let f) = PushPath.groupingKey(path: path) else { return nil }
        return f.description
    }

    @Test func jobAndLabels() {
        #expect(key("/metrics/job/batch") == ["job": "batch"])
        #expect(key("/metrics/job/batch/instance/h1/zone/a") == ["job": "batch", "instance": "h1", "zone": "a"])
        // A trailing slash after the job adds nothing; after a name it gives the empty value.
        #expect(key("/metrics/job/batch/") == ["job": "batch"])
        #expect(key("/metrics/job/batch/lbl/") == ["job": "batch", "lbl": ""])
        // A repeated name keeps the last value; `job` in the labels cannot override the job.
        #expect(key("/metrics/job/b/a/1/a/2") == ["job": "b", "a": "2"])
        #expect(key("/metrics/job/b/job/other") == ["job": "b"])
    }

    @Test func base64() {
        // "job/x" and the empty value ("=" alone); padding optional.
        #expect(key("/metrics/job@base64/am9iL3g=/lbl@base64/=") == ["job": "job/x", "lbl": ""])
        #expect(key("/metrics/job@base64/am9iL3g/path@base64/L3Zhci90bXA") == ["job": "job/x", "path": "/var/tmp"])
        // URL-safe alphabet: "-" and "_" (standard "+" and "/" are refused).
        #expect(key("/metrics/job/j/v@base64/YT4_") == ["job": "j", "v": "a>?"])
        #expect(key("/metrics/job/j/v@base64/YWJ-") == ["job": "j", "v": "ab~"])
        #expect(error("/metrics/job/j/v@base64/YWJ+") != nil)
        #expect(error("/metrics/job@base64/!!!")?.contains("invalid base64 encoding in job name") == true)
    }

    @Test func percentEncodedSlashSplitsLikeTheReference() {
        // The Pushgateway routes on the decoded path: %2F is a separator (hence @base64).
        #expect(key("/metrics/job/a%2Fb/c") == ["job": "a", "b": "c"])
        #expect(error("/metrics/job/a%2Fb/c/d")?.contains("odd number of components") == true)
        #expect(key("/metrics/job/a%20b") == ["job": "a b"])
    }

    @Test func refusals() {
        #expect(error("/metrics/job/j/lbl")?.contains("odd number of components in label string") == true)
        #expect(error("/metrics/job/j/__x/1") == "improper label name \"__x\"")
        #expect(error("/metrics/job/j/1a/1") == "improper label name \"1a\"")
        #expect(error("/metrics/job/") == "job name is required")
        #expect(error("/metrics/job@base64/=") == "job name is required")
    }
}
