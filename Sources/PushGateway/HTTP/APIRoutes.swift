import ExporterKit
import Foundation
import Logging

/// The Pushgateway's `/api/v1/` JSON API: `GET status`, `GET metrics` and, with
/// `--web.enable-admin-api`, `PUT admin/wipe`.
struct APIRoutes: HTTPResponder {
    static let prefix = "/api/v1/"

    let store: MetricStore
    let build: BuildInfo
    let flags: [String: String]
    let startTime: Date
    let adminEnabled: Bool
    let logger: Logger

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        switch request.path {
        case "/api/v1/status":
            guard request.method == .GET || request.method == .HEAD else {
                return .methodNotAllowed(allow: "GET, HEAD")
            }
            return .json(.ok, Array(status().utf8))
        case "/api/v1/metrics":
            guard request.method == .GET || request.method == .HEAD else {
                return .methodNotAllowed(allow: "GET, HEAD")
            }
            return .json(.ok, Array(Self.metricsJSON(store.groups).utf8))
        case "/api/v1/admin/wipe" where adminEnabled:
            guard request.method == .PUT else { return .methodNotAllowed(allow: "PUT") }
            let n = store.wipe()
            logger.info("all groups wiped through the admin API", metadata: ["groups": "\(n)"])
            return HTTPResponse(status: .accepted)
        default:
            return .text(.notFound, "404 page not found\n")
        }
    }

    func status() -> String {
        let flagsJSON = flags.sorted { $0.key < $1.key }.map {
            "\(JSONText.quoted($0.key)):\(JSONText.quoted($0.value))"
        }
        .joined(separator: ",")
        return """
            {"status":"success","data":{"build_information":{"program":\(JSONText.quoted(build.program)),\
            "version":\(JSONText.quoted(build.version)),"revision":\(JSONText.quoted(build.revision))},\
            "flags":{\(flagsJSON)},"start_time":\(JSONText.quoted(Self.rfc3339(startTime.timeIntervalSince1970)))}}
            """
    }

    /// Groups in the shape of the Pushgateway's answer: per group its grouping labels,
    /// `last_push_successful` and one entry per family (the two push timestamps included),
    /// values as strings in Go's spelling.
    static func metricsJSON(_ groups: [Group]) -> String {
        var out = "{\"status\":\"success\",\"data\":["
        for (i, g) in groups.sorted(by: { $0.key < $1.key }).enumerated() {
            if i > 0 { out += "," }
            out += "{\"labels\":" + object(g.key.labels)
            out += ",\"last_push_successful\":" + (g.pushTime >= g.failureTime ? "true" : "false")
            let labels = Exposition.timestampLabels(g.key)
            var families = g.families.values.sorted { $0.name < $1.name }
            families.append(
                PushedFamily(
                    name: Exposition.pushTimeName, help: Exposition.pushTimeHelp, type: .gauge,
                    metrics: [PushedMetric(labels: labels, value: .simple(g.pushTime))]))
            families[families.count - 1].pushedAt = max(g.pushTime, g.ttlStart)
            families.append(
                PushedFamily(
                    name: Exposition.failureTimeName, help: Exposition.failureTimeHelp, type: .gauge,
                    metrics: [PushedMetric(labels: labels, value: .simple(g.failureTime))]))
            families[families.count - 1].pushedAt = max(g.failureTime, g.ttlStart)
            for f in families {
                out += "," + JSONText.quoted(f.name) + ":{\"time_stamp\":" + JSONText.quoted(rfc3339(f.pushedAt))
                out += ",\"type\":" + JSONText.quoted(f.type.protoName)
                if let help = f.help { out += ",\"help\":" + JSONText.quoted(help) }
                out += ",\"metrics\":[" + f.metrics.map(metric).joined(separator: ",") + "]}"
            }
            out += "}"
        }
        return out + "]}"
    }

    static func metric(_ m: PushedMetric) -> String {
        var out = "{\"labels\":" + object(m.labels)
        switch m.value {
        case .simple(let v):
            out += ",\"value\":" + JSONText.quoted(number(v))
        case .summary(let count, let sum, let quantiles):
            out += ",\"count\":" + JSONText.quoted(number(count)) + ",\"sum\":" + JSONText.quoted(number(sum))
            out += ",\"quantiles\":{"
            out +=
                quantiles.map { JSONText.quoted(number($0.at)) + ":" + JSONText.quoted(number($0.value)) }
                .joined(separator: ",") + "}"
        case .histogram(let count, let sum, let buckets):
            out += ",\"count\":" + JSONText.quoted(number(count)) + ",\"sum\":" + JSONText.quoted(number(sum))
            // As pushed: unlike /metrics, the API adds no +Inf bucket (neither does the Pushgateway).
            out += ",\"buckets\":{"
            out +=
                buckets.map { JSONText.quoted(number($0.at)) + ":" + JSONText.quoted(number($0.value)) }
                .joined(separator: ",") + "}"
        }
        return out + "}"
    }

    /// Go's FormatFloat spelling, where negative zero stays `-0` (the API does not special-case it).
    static func number(_ v: Double) -> String {
        v == 0 && v.sign == .minus ? "-0" : GoFloat.format(v)
    }

    static func object(_ labels: [Label]) -> String {
        "{" + labels.map { JSONText.quoted($0.name) + ":" + JSONText.quoted($0.value) }.joined(separator: ",") + "}"
    }

    static func rfc3339(_ unix: Double) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date(timeIntervalSince1970: unix))
    }
}
