import ExporterKit
import KafkaWire
import Logging
import Testing

@testable import LagExporter

@Suite struct StatusPageTests {
    /// A caught-up store whose groups each lag 10 on partition 0 of `t`.
    static func store(groups: [String], now: Int64) throws -> LagStore {
        let config = try ConfigLoader.decode(
            LagExporterConfig.self, yaml: "clusters:\n  - name: c/1\n    bootstrap: [x:1]\n", file: "t.yml"
        ).clusters[0]
        let s = LagStore(config: config)
        s.updateProgress {
            $0.caughtUp = true
            $0.source = .offsetsTopic
        }
        s.applyMetadata(topicPartitions: ["t": 1])
        s.addLogEnds([TopicPartition("t", 0): 100], now: now - 10_000)
        let records: [OffsetsRecord] = groups.map { group in
            .offsetCommit(
                .init(
                    type: 1, group: group, topic: "t", partition: 0,
                    value: .init(
                        version: 3, offset: 90, leaderEpoch: -1, metadata: "", commitTimestamp: now - 1000,
                        expireTimestamp: -1, topicId: nil)))
        }
        s.apply(records.enumerated().map { ($1, Int64($0)) }, live: { _ in true }, now: now)
        return s
    }

    /// The href of the link whose text is `text`.
    static func href(_ html: String, text: String) -> String? {
        let anchor = "\">\(escapeHTML(text))</a>"
        guard let end = html.range(of: anchor) else { return nil }
        guard let start = html[..<end.lowerBound].range(of: "href=\"", options: .backwards) else { return nil }
        return String(html[start.upperBound..<end.lowerBound])
    }

    @Test func groupLinksAreEncodedAndResolveToTheirGroup() async throws {
        let now = WallClock.nowMs
        let names = ["a/b?c#d", "x+y z%25", "plain"]
        let s = try Self.store(groups: names, now: now)
        let html = StatusPage.render([s.view(now: now)])
        let api = BurrowAPI(stores: { [s] })
        #expect(html.contains(#"<a href="/v3/kafka/c%2F1/consumer">Burrow API</a>"#), "\(html)")
        #expect(html.contains(#"<a href="/v3/kafka/c%2F1/consumer/a%2Fb%3Fc%23d/lag">a/b?c#d</a>"#), "\(html)")
        for name in names {
            let link = try #require(Self.href(html, text: name), "\(html)")
            // Exactly one path segment per name: nothing a browser or router would split on.
            #expect(!link.contains("?") && !link.contains("#") && !link.contains("+") && !link.contains(" "))
            let response = await api.respond(to: HTTPRequest(method: .GET, uri: link))
            let body = String(decoding: response.body, as: UTF8.self)
            #expect(response.status == .ok, "\(link): \(body)")
            #expect(body.contains(#""cluster":"c/1","group":\#(JSONText.quoted(name))"#), "\(link): \(body)")
        }
        // In a path `+` is a plus (Burrow's clients send names unencoded where they can).
        let plus = await api.respond(to: HTTPRequest(method: .GET, uri: "/v3/kafka/c%2F1/consumer/x+y%20z%2525/status"))
        #expect(String(decoding: plus.body, as: UTF8.self).contains(#""group":"x+y z%25""#))
        // The cluster link resolves too, and lists the groups.
        let list = await api.respond(to: HTTPRequest(method: .GET, uri: "/v3/kafka/c%2F1/consumer"))
        #expect(list.status == .ok)
        #expect(String(decoding: list.body, as: UTF8.self).contains(#""a/b?c#d""#))
    }

    @Test func statusCellsCarryTheClassTheLandingPageStyles() async throws {
        let now = WallClock.nowMs
        let s = try Self.store(groups: ["g"], now: now)
        let status = try #require(s.view(now: now).groups.first?.evaluation.status)
        #expect(status != .ok, "a lagging group, so that the class is not the default look")
        var routes = ExporterRoutes(
            telemetryPath: "/metrics", build: BuildInfo(program: "lag-exporter", version: "v", revision: "r"),
            runner: ScrapeRunner(namespace: "t", collectors: [], logger: Logger(label: "t")), maxConcurrentScrapes: 0)
        routes.landingExtras = { StatusPage.render([s.view(now: WallClock.nowMs)]) }
        let page = String(decoding: await routes.respond(to: HTTPRequest(method: .GET, uri: "/")).body, as: UTF8.self)
        #expect(page.contains("<td class=\"\(status)\">\(status)</td>"), "\(page)")
        let css = try #require(
            page.range(of: "<style>").flatMap { a in
                page.range(of: "</style>").map { page[a.upperBound..<$0.lowerBound] }
            })
        for shown in ConsumerStatus.allCases where shown != .notFound {
            #expect(css.contains(".\(shown)"), "no style for \(shown)")
        }
    }
}
