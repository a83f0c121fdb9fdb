import ExporterKit
import FuzzSupport
import KafkaWire

/// Config files through ConfigLoader.decode (alias budget, YAML, strict decoding, secret
/// scrubbing of the error). Byte 0 picks the type, the rest is the file's text (any bytes, as
/// read from disk). Covered: the web config (--web.config.file), a cluster's connection block
/// (bootstrap, TLS, SASL: the shared part of lag- and cluster-exporter's cluster entries) and
/// nodenet-exporter's peer groups (symlinked from the executable, which cannot be imported).
/// LagExporterConfig and ClusterExporterConfig themselves depend on much of their executables.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    fuzzInput("config", data, size) { input in
        let yaml = String(decoding: input[1...], as: UTF8.self)
        switch input[0] % 4 {
        case 0: _ = try? ConfigLoader.decode(WebConfig.self, yaml: yaml, file: "web.yml")
        case 1: _ = try? ConfigLoader.decode(KafkaConnectionConfig.self, yaml: yaml, file: "cluster.yml")
        case 2: _ = try? ConfigLoader.decode([KafkaConnectionConfig].self, yaml: yaml, file: "clusters.yml")
        default: _ = try? ConfigLoader.decode(PeerGroupsConfig.self, yaml: yaml, file: "peers.yml")
        }
    }
    return 0
}
