import ArgumentParser
import Foundation

/// The `check-config` subcommands: load and validate like the exporter does at start, print
/// a one-line summary, or the error (with file and key path) on stderr and exit non-zero.
public enum ConfigCheck {
    public static func run<T: Decodable>(_ type: T.Type, path: String, summary: (T) -> String) throws {
        do {
            let config = try ConfigLoader.load(T.self, path: path)
            print("\(path): OK (\(summary(config)))")
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
