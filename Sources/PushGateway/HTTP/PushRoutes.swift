import ExporterKit
import Foundation
import Logging
import NIOHTTP1

/// `PUT`/`POST`/`DELETE /metrics/job/<job>{/<label>/<value>}`: the Pushgateway's push API.
struct PushRoutes: HTTPResponder {
    let store: MetricStore
    let stats: GatewayStats
    let logger: Logger
    var now: @Sendable () -> Double = { WallClock.nowSeconds }

    /// Whether `path` is a push path (`/metrics/job/...` or `/metrics/job@base64/...`).
    static func matches(_ path: String) -> Bool {
        path.hasPrefix(PushPath.prefix + "/") || path.hasPrefix(PushPath.prefix + "@base64/")
    }

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        let method: String
        switch request.method {
        case .PUT: method = "PUT"
        case .POST: method = "POST"
        case .DELETE: method = "DELETE"
        default: return .methodNotAllowed(allow: "PUT, POST, DELETE")
        }
        let key: GroupingKey
        switch PushPath.groupingKey(path: request.path) {
        case .success(let k): key = k
        case .failure(let f):
            stats.push(method: method, .invalid)
            logger.debug("push refused: bad URL", metadata: ["path": "\(request.path)", "err": "\(f)"])
            return .text(.badRequest, f.description + "\n")
        }
        if method == "DELETE" {
            store.delete(key: key)
            stats.push(method: method, .accepted)
            return HTTPResponse(status: .accepted)
        }
        let parsed: PushBody.Parsed
        do {
            parsed = try PushBody.parse(request.body, contentType: request.headers.first(name: "Content-Type"))
        } catch {
            stats.push(method: method, .invalid)
            logger.debug("push refused: unparsable body", metadata: ["group": "\(key.description)", "err": "\(error)"])
            return .text(.badRequest, "\(error)\n")
        }
        let result = store.push(
            key: key, families: parsed.families, hasTimestamps: parsed.hasTimestamps,
            method: method == "PUT" ? .put : .post, now: now())
        switch result {
        case .success:
            stats.push(method: method, .accepted)
            return HTTPResponse(status: .ok)
        case .failure(let refusal):
            logger.debug("push refused", metadata: ["group": "\(key.description)", "err": "\(refusal)"])
            switch refusal.kind {
            case .inconsistent:
                stats.push(method: method, .invalid)
                return .text(.badRequest, refusal.message + "\n")
            case .groupLimit:
                stats.push(method: method, .limited)
                stats.limitHit(refusal.kind.rawValue)
                return .text(.tooManyRequests, refusal.message + "\n")
            case .seriesLimit:
                stats.push(method: method, .limited)
                stats.limitHit(refusal.kind.rawValue)
                return .text(.payloadTooLarge, refusal.message + "\n")
            }
        }
    }
}

/// A push body in whichever format its Content-Type names (text 0.0.4 otherwise, as the
/// Pushgateway falls back to).
enum PushBody {
    typealias Parsed = TextFormatParser.Result

    static func parse(_ body: [UInt8], contentType: String?) throws -> Parsed {
        if let contentType, isDelimitedProtobuf(contentType) {
            return try ProtobufParser.parse(body)
        }
        return try TextFormatParser.parse(body)
    }

    /// `application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited`.
    static func isDelimitedProtobuf(_ contentType: String) -> Bool {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "application/vnd.google.protobuf" else { return false }
        var params: [String: String] = [:]
        for p in parts.dropFirst() {
            let kv = p.split(separator: "=", maxSplits: 1).map(String.init)
            if kv.count == 2 {
                params[kv[0].lowercased()] = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return params["encoding"] == "delimited" && params["proto"] == "io.prometheus.client.MetricFamily"
    }
}
