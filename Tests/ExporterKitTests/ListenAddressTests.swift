import Testing

@testable import ExporterKit

@Test(
    arguments: [
        (":9574", nil, 9574), ("0.0.0.0:80", "0.0.0.0", 80), ("localhost:9100", "localhost", 9100),
        ("[::1]:9574", "::1", 9574), ("[::]:1", "::", 1), ("[fe80::1%eth0]:9", "fe80::1%eth0", 9),
        ("127.0.0.1:0", "127.0.0.1", 0), (":65535", nil, 65535),
    ] as [(String, String?, Int)])
func parsesListenAddress(text: String, host: String?, port: Int) throws {
    let a = try ListenAddress(parsing: text)
    #expect(a.host == host)
    #expect(a.port == port)
}

@Test(arguments: ["9574", "", ":", "host:", ":65536", ":-1", ":http", "::1:9574", "[::1:9574", "[::1]", "host:80x"])
func rejectsBadListenAddress(text: String) {
    do {
        _ = try ListenAddress(parsing: text)
        Issue.record("\(text) was accepted")
    } catch {
        #expect(error.keyPath == "--web.listen-address")
        #expect(error.message.contains("\"\(text)\""))
        #expect(error.message.contains("expected HOST:PORT, :PORT or [IPv6]:PORT"))
    }
}

@Test func ipv6NeedsBracketsMessage() {
    #expect(throws: ConfigError.self) { try ListenAddress(parsing: "::1:9574") }
    do {
        _ = try ListenAddress(parsing: "::1:9574")
    } catch {
        #expect(error.message.contains("IPv6 addresses need brackets"))
    }
}

@Test(arguments: [":9574", "1.2.3.4:80", "[::1]:9574", "example.org:443"])
func descriptionRoundTrips(text: String) throws {
    let a = try ListenAddress(parsing: text)
    #expect(a.description == text)
    #expect(try ListenAddress(parsing: a.description) == a)
}
