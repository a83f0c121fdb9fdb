import ArgumentParser
import ExporterKit
import Foundation

/// `lag-exporter check-config --config.file F`: validates and exits non-zero on errors.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate the config file and exit (non-zero when invalid).")

    @Option(name: .customLong("config.file"), help: ArgumentHelp("YAML file listing the clusters.", valueName: "file"))
    var configFile: String

    func run() throws {
        do {
            let config = try ConfigLoader.load(LagExporterConfig.self, path: configFile)
            let list = config.clusters.map { "\($0.name) (\($0.source.rawValue))" }.joined(separator: ", ")
            print("\(configFile): OK (\(config.clusters.count) cluster(s): \(list))")
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
