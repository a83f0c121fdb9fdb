import ExporterKit
import Testing

@testable import NodeNetExporter

@Test(arguments: [
    ("10.0.0.1", "10.0.0.1"), ("0.0.0.0", "0.0.0.0"), ("255.255.255.255", "255.255.255.255"),
    ("::", "::"), ("::1", "::1"), ("2001:db8::1", "2001:db8::1"),
    ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"), ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
    ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"), ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
    ("fe80::1:2:3:4", "fe80::1:2:3:4"), ("1::", "1::"), ("::ffff:10.0.0.1", "10.0.0.1"),
    ("[::1]", "::1"), ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"), ("::1.2.3.4", "::102:304"),
])
func parseAndPrint(input: String, printed: String) throws {
    let address = try #require(IPAddress16(parsing: input))
    #expect(address.description == printed)
    #expect(IPAddress16(parsing: address.description) == address)
}

@Test(arguments: [
    "", "1.2.3", "1.2.3.256", "10.0.0.1.", "::g", "1:2:3:4:5:6:7:8:9", "1::2::3", "localhost", " 10.0.0.1",
])
func rejectsInvalid(input: String) {
    #expect(IPAddress16(parsing: input) == nil)
}

@Test func v4MappedEqualityAndFlags() throws {
    let v4 = try #require(IPAddress16(parsing: "127.0.0.1"))
    let mapped = try #require(IPAddress16(parsing: "::ffff:127.0.0.1"))
    #expect(v4 == mapped && v4.hashValue == mapped.hashValue)
    #expect(v4.isIPv4 && v4.isLoopback && v4.ipv4 == 0x7F00_0001)
    #expect(IPAddress16(parsing: "::1")?.isIPv4 == false)
    #expect(IPAddress16(parsing: "::1")?.ipv4 == nil)
    #expect(IPAddress16(parsing: "127.255.0.9")?.isLoopback == true)
    #expect(IPAddress16(parsing: "0.0.0.0")?.isUnspecified == true)
    #expect(IPAddress16(parsing: "::")?.isUnspecified == true)
    let a = try #require(IPAddress16(parsing: "10.0.0.1"))
    let b = try #require(IPAddress16(parsing: "10.0.0.2"))
    #expect(a < b)
}
