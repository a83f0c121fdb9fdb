/// Version facts of a binary, shown by `--version`, the landing page and `<ns>_build_info`.
public struct BuildInfo: Sendable {
    public var program: String
    public var version: String
    public var revision: String

    public init(
        program: String, version: String = ExporterKitVersion.version, revision: String = ExporterKitVersion.revision
    ) {
        self.program = program
        self.version = version
        self.revision = revision
    }

    public var versionLine: String { "\(program), version \(version) (revision: \(revision))" }

    public func collector(namespace: String) -> some Collector {
        let info = self
        return ClosureCollector(name: "build_info") {
            var family = MetricFamily(
                name: "\(namespace)_build_info",
                help: "A metric with a constant '1' value labeled by version and revision of the exporter.",
                type: .gauge)
            family.add(
                [("version", info.version), ("revision", info.revision), ("goversion", "")].filter { !$0.1.isEmpty }, 1)
            return [family]
        }
    }
}
