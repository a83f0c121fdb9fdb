import ArgumentParser
import ExporterKit
import Foundation

/// `cluster-exporter check-config --config.file F`: validates and exits non-zero on errors.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate the config file and exit (non-zero when invalid).")

    @Option(name: .customLong("config.file"), help: ArgumentHelp("YAML file listing the clusters.", valueName: "file"))
    var configFile: String

    func run() throws {
        do {
            let config = try ConfigLoader.load(ClusterExporterConfig.self, path: configFile)
            print(
                "\(configFile): OK (\(config.clusters.count) cluster(s): \(config.clusters.map(\.name).joined(separator: ", ")))"
            )
        } catch {
            var stderr = StandardError()
            print("\(error)", to: &stderr)
            throw ExitCode.failure
        }
    }
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
