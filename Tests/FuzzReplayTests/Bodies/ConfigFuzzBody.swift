import ExporterKit
import KafkaWire

// The fuzz package compiles PeerGroupsConfig's source files into its target (symlinks: another
// package cannot import an executable); the replay tests reach them in nodenet-exporter itself.
#if !FUZZ_PACKAGE
    @testable import NodeNetExporter
#endif

/// Fuzz target `config`: config files through ConfigLoader.decode (alias budget, YAML, strict
/// decoding, secret scrubbing of the error). Byte 0 picks the type, the rest is the file's text
/// (any bytes, as read from disk). Covered: the web config (--web.config.file), a cluster's
/// connection block (bootstrap, TLS, SASL: the shared part of lag- and cluster-exporter's
/// cluster entries) and nodenet-exporter's peer groups. LagExporterConfig and
/// ClusterExporterConfig themselves depend on much of their executables. Compiled by the
/// libFuzzer target and by the corpus replay tests.
func configFuzzBody(_ input: UnsafeBufferPointer<UInt8>) {
    guard input.count >= 1 else { return }
    let yaml = String(decoding: input[1...], as: UTF8.self)
    switch input[0] % 4 {
    case 0: _ = try? ConfigLoader.decode(WebConfig.self, yaml: yaml, file: "web.yml")
    case 1: _ = try? ConfigLoader.decode(KafkaConnectionConfig.self, yaml: yaml, file: "cluster.yml")
    case 2: _ = try? ConfigLoader.decode([KafkaConnectionConfig].self, yaml: yaml, file: "clusters.yml")
    default: _ = try? ConfigLoader.decode(PeerGroupsConfig.self, yaml: yaml, file: "peers.yml")
    }
}
