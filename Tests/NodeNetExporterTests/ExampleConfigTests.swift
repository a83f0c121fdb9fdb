import ExporterKit
import Foundation
import Testing

@testable import NodeNetExporter

/// The files in examples/ must stay valid: users copy them.
private let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

@Test func examplePeerGroupsFileIsValid() throws {
    let config = try ConfigLoader.load(PeerGroupsConfig.self, path: repoRoot.path + "/examples/nodenet-peer-groups.yml")
    #expect(config.groups.map(\.name) == ["kafka-brokers", "zookeeper", "app-servers", "localhost"])
    #expect(config.topPeers == 5)
}

@Test func exampleWebConfigFileIsValid() throws {
    let config = try ConfigLoader.load(WebConfig.self, path: repoRoot.path + "/examples/web-config.yml")
    #expect(config.tlsServerConfig?.clientAuthType == .requireAndVerifyClientCert)
    let auth = BasicAuthenticator(users: config.basicAuthUsers)
    let header = "Basic " + Data("prometheus:secret".utf8).base64EncodedString()
    #expect(auth.authorize(header: header))
}
