import ArgumentParser
import ExporterKit

/// `lag-exporter check-config --config.file F`: validates and exits non-zero on errors.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate the config file and exit (non-zero when invalid).")

    @Option(name: .customLong("config.file"), help: ArgumentHelp("YAML file listing the clusters.", valueName: "file"))
    var configFile: String

    func run() throws {
        try ConfigCheck.run(LagExporterConfig.self, path: configFile) { config in
            "\(config.clusters.count) cluster(s): "
                + config.clusters.map { "\($0.name) (\($0.source.rawValue))" }.joined(separator: ", ")
        }
    }
}
