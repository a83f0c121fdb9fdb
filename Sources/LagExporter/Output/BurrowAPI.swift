import ExporterKit

/// Burrow's read-only HTTP API (v3) for drop-in users: `/v3/kafka`, `/v3/kafka/<cluster>/consumer`,
/// `/v3/kafka/<cluster>/consumer/<group>/status` (non-OK partitions) and `/lag` (all of them),
/// with Burrow's JSON field names.
struct BurrowAPI: HTTPResponder {
    /// The clusters' stores, current at each request (a reload changes them).
    let stores: @Sendable () -> [LagStore]

    init(clusters: LagClusters) { stores = { clusters.current.map(\.store) } }

    init(stores: @escaping @Sendable () -> [LagStore]) { self.stores = stores }

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        guard request.method == .GET || request.method == .HEAD else { return .methodNotAllowed(allow: "GET, HEAD") }
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map {
            String($0).removingPercentEncodingLenient(plusAsSpace: false)
        }
        let host = request.headers.first(name: "Host") ?? ""
        let req = "\"request\":{\"url\":\(JSONText.quoted(request.path)),\"host\":\(JSONText.quoted(host))}"
        func ok(_ message: String, _ body: String) -> HTTPResponse {
            .json(.ok, Array("{\"error\":false,\"message\":\(JSONText.quoted(message)),\(body),\(req)}\n".utf8))
        }
        func notFound(_ message: String) -> HTTPResponse {
            .json(.notFound, Array("{\"error\":true,\"message\":\(JSONText.quoted(message)),\(req)}\n".utf8))
        }
        guard parts.count >= 2, parts[0] == "v3", parts[1] == "kafka" else { return notFound("invalid request type") }
        if parts.count == 2 {
            let names = stores().map(\.config.name).sorted()
            return ok("cluster list returned", "\"clusters\":[\(names.map(JSONText.quoted).joined(separator: ","))]")
        }
        guard let store = stores().first(where: { $0.config.name == parts[2] }) else {
            return notFound("cluster not found")
        }
        // Only what the request names is evaluated: a burrow exporter asks once per group.
        let now = WallClock.nowMs
        switch parts.count {
        case 3:
            return ok(
                "cluster module detail returned",
                "\"module\":{\"class-name\":\"kafka\",\"servers\":[\(store.config.connection.bootstrap.map { JSONText.quoted("\($0.host):\($0.port)") }.joined(separator: ","))],\"client-profile\":{\"name\":\"default\",\"client-id\":\(JSONText.quoted(store.config.connection.clientId))}}"
            )
        case 4 where parts[3] == "consumer":
            let names = store.groupNames(now: now)
            return ok("consumer list returned", "\"consumers\":[\(names.map(JSONText.quoted).joined(separator: ","))]")
        case 6 where parts[3] == "consumer" && (parts[5] == "status" || parts[5] == "lag"):
            guard let g = store.view(group: parts[4], now: now) else {
                return notFound("consumer group not found")
            }
            let all = parts[5] == "lag"
            return ok(
                all ? "consumer lag returned" : "consumer status returned",
                "\"status\":\(Self.status(g, cluster: store.config.name, all: all))")
        default:
            return notFound("invalid request type")
        }
    }

    /// Burrow's ConsumerGroupStatus object.
    static func status(_ g: GroupView, cluster: String, all: Bool) -> String {
        let e = g.evaluation
        let evaluated = g.partitions.filter { $0.evaluation != nil }
        let shown = all ? evaluated : evaluated.filter { $0.evaluation!.status != .ok }
        // /lag also lists partitions of consumed topics never committed to, as Burrow does (OK,
        // no offsets); they are OK, so /status leaves them out; both count them.
        var items = shown.map(partition)
        if all {
            items += g.uncommitted.map {
                "{\"topic\":\(JSONText.quoted($0.topic)),\"partition\":\($0.partition),\"owner\":\"\",\"client_id\":\"\","
                    + "\"status\":\"OK\",\"start\":null,\"end\":null,\"current_lag\":0,\"complete\":0}"
            }
        }
        let maxlag = e.maxLag.flatMap { k in evaluated.first { $0.topic == k.topic && $0.partition == k.partition } }
        return "{\"cluster\":\(JSONText.quoted(cluster)),\"group\":\(JSONText.quoted(g.name)),"
            + "\"status\":\"\(e.status)\",\"complete\":\(number(e.complete)),"
            + "\"partitions\":[\(items.joined(separator: ","))],"
            + "\"partition_count\":\(evaluated.count + g.uncommitted.count),"
            + "\"maxlag\":\(maxlag.map(partition) ?? "null"),\"totallag\":\(e.totalLag)}"
    }

    static func partition(_ p: PartitionView) -> String {
        let e = p.evaluation!
        func offset(_ c: CommitSample?) -> String {
            guard let c else { return "null" }
            // An unknown lag (a commit replayed from before the exporter started) is null, not 0.
            return "{\"offset\":\(c.offset),\"timestamp\":\(c.timestamp),\"observedAt\":\(c.timestamp),"
                + "\"lag\":\(c.lag.map(String.init) ?? "null")}"
        }
        return "{\"topic\":\(JSONText.quoted(p.topic)),\"partition\":\(p.partition),\"owner\":\"\",\"client_id\":\"\","
            + "\"status\":\"\(e.status)\",\"start\":\(offset(e.start)),\"end\":\(offset(e.end)),"
            + "\"current_lag\":\(e.currentLag),\"complete\":\(number(e.complete))}"
    }

    static func number(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }
}
