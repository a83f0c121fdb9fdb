import ExporterKit
import Testing

@testable import PushGateway

@Suite struct MetricStoreTests {
    func body(_ text: String) -> TextFormatParser.Result { try! TextFormatParser.parse(Array(text.utf8)) }

    func key(_ job: String, _ labels: [String: String] = [:]) -> GroupingKey { GroupingKey(job: job, labels: labels) }

    @discardableResult
    func push(
        _ store: MetricStore, _ k: GroupingKey, _ text: String, _ method: MetricStore.Method = .put,
        at now: Double = 100
    ) -> Result<Void, PushRefusal> {
        let b = body(text)
        return store.push(key: k, families: b.families, hasTimestamps: b.hasTimestamps, method: method, now: now)
    }

    func exposition(_ store: MetricStore) -> String {
        TextEncoder.encodeString(Exposition.merge(groups: store.groups, own: []))
    }

    @Test func putReplacesPostMergesDeleteRemoves() throws {
        let s = MetricStore()
        let k = key("j", ["instance": "i"])
        try push(s, k, "a 1\nb 2\n").get()
        try push(s, k, "b 3\nc 4\n", .post, at: 200).get()
        #expect(Set(s.groups[0].families.keys) == ["a", "b", "c"])
        #expect(s.groups[0].families["b"]?.metrics.first?.value == .simple(3))
        #expect(s.groups[0].pushTime == 200)
        try push(s, k, "c 5\n", .put, at: 300).get()
        #expect(Set(s.groups[0].families.keys) == ["c"])
        // An empty PUT empties the group but keeps it (with its push time), as the Pushgateway does.
        try push(s, k, "", .put, at: 400).get()
        #expect(s.groups.count == 1 && s.groups[0].families.isEmpty && s.groups[0].pushTime == 400)
        s.delete(key: k)
        #expect(s.groups.isEmpty)
    }

    @Test func groupingLabelsOnEverySample() throws {
        let s = MetricStore()
        try push(s, key("j", ["zone": "a"]), "m{x=\"1\"} 1\n").get()
        #expect(
            exposition(s).contains("m{instance=\"\",job=\"j\",x=\"1\",zone=\"a\"} 1\n"))
        // An explicit instance label is kept when the key has none.
        try push(s, key("k"), "m{instance=\"h\"} 1\n").get()
        #expect(exposition(s).contains("m{instance=\"h\",job=\"k\"} 1\n"))
    }

    @Test func refusedPushChangesNothingButTheFailureTime() throws {
        let s = MetricStore()
        let k = key("j")
        try push(s, k, "# TYPE m counter\nm 1\n", at: 100).get()
        let before = s.groups[0].families
        let cases: [(String, String)] = [
            ("m 2 1700000000000\n", "must not have timestamps"),
            ("m{job=\"other\"} 2\n", "grouping key says job=\"j\""),
            ("x 1\nx{instance=\"\"} 2\n", "was collected before"),
        ]
        for (text, message) in cases {
            let r = push(s, k, text, at: 150)
            guard case .failure(let f) = r else {
                Issue.record("accepted: \(text)")
                continue
            }
            #expect(f.kind == .inconsistent)
            #expect(f.message.contains(message), "\(f.message)")
            #expect(s.groups[0].families == before)
            #expect(s.groups[0].pushTime == 100 && s.groups[0].failureTime == 150)
        }
        // A refused push to a new key creates the group with only a failure time (as the reference).
        _ = push(s, key("new"), "m 1 5\n", at: 170)
        let g = try #require(s.groups.first { $0.key == key("new") })
        #expect(g.families.isEmpty && g.pushTime == 0 && g.failureTime == 170)
    }

    @Test func typeAndHelpMustAgreeAcrossGroups() throws {
        let s = MetricStore()
        try push(s, key("a"), "# HELP m one\n# TYPE m counter\nm 1\n").get()
        let typeClash = push(s, key("b"), "# HELP m one\n# TYPE m gauge\nm 1\n")
        #expect((try? typeClash.get()) == nil)
        let helpClash = push(s, key("b"), "# HELP m two\n# TYPE m counter\nm 1\n")
        guard case .failure(let f) = helpClash else {
            Issue.record("help clash accepted")
            return
        }
        #expect(f.message.contains("help \"two\" but other groups hold it with help \"one\""))
        try push(s, key("b"), "# HELP m one\n# TYPE m counter\nm 1\n").get()
        // The only holder may change its own family's type or help.
        try push(s, key("c"), "# TYPE z gauge\nz 1\n").get()
        try push(s, key("c"), "# TYPE z counter\nz 1\n").get()
    }

    @Test func suffixCollisions() throws {
        let s = MetricStore()
        try push(s, key("a"), "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\nh_sum 1\n").get()
        #expect((try? push(s, key("b"), "h_count 1\n").get()) == nil)
        #expect((try? push(s, key("b"), "h_bucket 1\n").get()) == nil)
        try push(s, key("c"), "# TYPE sm summary\nsm_sum 1\nsm_count 1\n").get()
        // A summary has no buckets: sm_bucket is an ordinary name.
        try push(s, key("d"), "sm_bucket 1\n").get()
        #expect((try? push(s, key("d"), "# TYPE g_sum gauge\ng_sum 1\n# TYPE g summary\ng_sum 1\n").get()) == nil)
    }

    @Test func sameSeriesInTwoGroupsIsRefused() throws {
        let s = MetricStore()
        try push(s, key("j"), "m{instance=\"h\"} 1\n").get()
        let r = push(s, key("j", ["instance": "h"]), "m 1\n")
        guard case .failure(let f) = r else {
            Issue.record("duplicate accepted")
            return
        }
        #expect(f.message.contains("also held by the group"))
        try push(s, key("j", ["instance": "other"]), "m 1\n").get()
    }

    @Test func ownFamiliesKeepTheirTypeAndHelp() throws {
        let s = MetricStore()
        s.setOwnFamilies(["process_open_fds": OwnFamily(type: .gauge, help: "Open fds.")])
        #expect((try? push(s, key("a"), "# TYPE process_open_fds counter\nprocess_open_fds 1\n").get()) == nil)
        try push(s, key("a"), "# HELP process_open_fds mine\n# TYPE process_open_fds gauge\nprocess_open_fds 1\n").get()
        let own = PushedFamily(
            name: "process_open_fds", help: "Open fds.", type: .gauge,
            metrics: [PushedMetric(labels: [], value: .simple(9))])
        let text = TextEncoder.encodeString(Exposition.merge(groups: s.groups, own: [own]))
        #expect(
            text.contains(
                "# HELP process_open_fds Open fds.\n# TYPE process_open_fds gauge\nprocess_open_fds 9\nprocess_open_fds{instance=\"\",job=\"a\"} 1\n"
            ))
    }

    @Test func limits() throws {
        let s = MetricStore(limits: StoreLimits(maxGroups: 2, maxSeriesPerGroup: 4))
        try push(s, key("a"), "m 1\n").get()
        try push(s, key("b"), "m 1\n").get()
        guard case .failure(let g) = push(s, key("c"), "m 1\n") else {
            Issue.record("3rd group")
            return
        }
        #expect(g.kind == .groupLimit)
        #expect(!s.groups.contains { $0.key == key("c") })
        // Existing groups can still be pushed to.
        try push(s, key("a"), "m 2\n").get()
        // A histogram with one bucket is 4 sample lines (the bucket, +Inf, sum, count): one more is over.
        guard case .failure(let f) = push(s, key("a"), "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nx 1\n") else {
            Issue.record("series limit")
            return
        }
        #expect(f.kind == .seriesLimit)
        try push(s, key("a"), "# TYPE h histogram\nh_bucket{le=\"1\"} 1\n").get()
    }

    @Test func expiryRemovesWholeGroupsByJobTTL() throws {
        let s = MetricStore()
        try push(s, key("short", ["instance": "1"]), "m 1\n", at: 100).get()
        try push(s, key("short", ["instance": "2"]), "m 1\n", at: 150).get()
        try push(s, key("forever"), "m 1\n", at: 100).get()
        let policy = TTLPolicy(
            defaultTTL: .seconds(0), config: PushGatewayConfig(jobTTLs: ["short": ConfigDuration(.seconds(60))]))
        #expect(s.expire(now: 159, ttl: policy.seconds(job:)).isEmpty)
        let gone = s.expire(now: 160, ttl: policy.seconds(job:))
        #expect(gone.map(\.key) == [key("short", ["instance": "1"])])
        #expect(s.groups.count == 2)
        // A push restarts the clock.
        try push(s, key("short", ["instance": "2"]), "m 2\n", at: 200).get()
        #expect(s.expire(now: 250, ttl: policy.seconds(job:)).isEmpty)
        #expect(s.expire(now: 260, ttl: policy.seconds(job:)).count == 1)
        // The family index forgets removed groups: another type is accepted again.
        #expect((try? push(s, key("x"), "# TYPE m gauge\nm 1\n").get()) == nil)
        s.delete(key: key("forever"))
        try push(s, key("x"), "# TYPE m gauge\nm 1\n").get()
    }
}

@Suite struct OwnFamilyConversionTests {
    @Test func ownHistogramsAndCountersKeepTheirShape() {
        var h = MetricFamily(name: "pushgateway_x_seconds", help: "X.", type: .histogram)
        h.addDistribution([("k", "v")], buckets: [(0.5, 1)], sum: 2, count: 3)
        let c = MetricFamily.single(name: "pushgateway_y", help: "Y.", type: .counter, value: 4)
        let text = TextEncoder.encodeString(Exposition.merge(groups: [], own: Exposition.convert([h, c])))
        #expect(
            text == """
                # HELP pushgateway_x_seconds X.
                # TYPE pushgateway_x_seconds histogram
                pushgateway_x_seconds_bucket{k="v",le="0.5"} 1
                pushgateway_x_seconds_bucket{k="v",le="+Inf"} 3
                pushgateway_x_seconds_sum{k="v"} 2
                pushgateway_x_seconds_count{k="v"} 3
                # HELP pushgateway_y_total Y.
                # TYPE pushgateway_y_total counter
                pushgateway_y_total 4

                """)
    }
}
