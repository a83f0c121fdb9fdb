import ExporterKit
import Testing

@testable import NodeNetExporter

@Test func allowlistParsesListsAndRanges() throws {
    let a = try PortAllowlist(parsing: "9092, 2181,8000-8002")
    #expect(a.ports == [2181, 8000, 8001, 8002, 9092])
    #expect(a.contains(9092) && !a.contains(9093) && !a.contains(0))
}

@Test func defaultAllowlistHasKafkaAndZooKeeper() throws {
    let a = try PortAllowlist(parsing: PortAllowlist.defaultSpec)
    for p: UInt16 in [9092, 9093, 2181, 2888, 3888, 8083, 8081, 7071] { #expect(a.contains(p)) }
}

@Test(arguments: ["abc", "0", "70000", "9000-8000", "1-60000", "-5", "9092-"])
func allowlistRejectsBadSpecs(spec: String) {
    #expect(throws: ConfigError.self) { try PortAllowlist(parsing: spec) }
}

@Test func emptyAllowlistPutsEverythingInOther() throws {
    let a = try PortAllowlist(parsing: "")
    #expect(a.ports.isEmpty)
}
