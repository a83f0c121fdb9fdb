import ArgumentParser
import ExporterKit

/// `push-gateway check-config --config.file F`: validates and exits non-zero on errors.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate the config file and exit (non-zero when invalid).")

    @Option(
        name: .customLong("config.file"), help: ArgumentHelp("YAML file with per-job TTLs.", valueName: "file"))
    var configFile: String

    func run() throws {
        try ConfigCheck.run(PushGatewayConfig.self, path: configFile) { config in
            "\(config.jobTTLs.count) per-job TTL(s)"
        }
    }
}
