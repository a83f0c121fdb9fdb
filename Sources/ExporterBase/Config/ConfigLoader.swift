import Foundation
import Yams

/// Loads YAML config files strictly: unknown keys, wrong types and invalid values all become a
/// `ConfigError` naming the file and key path.
public enum ConfigLoader {
    public static func load<T: Decodable>(_ type: T.Type, path: String) throws(ConfigError) -> T {
        let text = try ConfigFileReader.load(path: path)
        return try decode(type, yaml: text, file: path)
    }

    /// Decodes `yaml`; every error is scrubbed of the file's secret values (a syntax error on a
    /// password's line must not print it in check-config, logs or the /-/reload body).
    public static func decode<T: Decodable>(_ type: T.Type, yaml: String, file: String? = nil) throws(ConfigError) -> T
    {
        do {
            try YAMLAliasBudget.check(yaml, file: file)
            // An empty (or comments-only) file means "all defaults".
            let blank = yaml.allSatisfy(\.isWhitespace)
            let source = try blank || Yams.compose(yaml: yaml) == nil ? "{}" : yaml
            return try YAMLDecoder().decode(type, from: source)
        } catch {
            throw SecretScrubber(yaml: yaml).scrub(describe(error, file: file))
        }
    }

    /// Yams wraps errors thrown inside `init(from:)` in `DecodingError.dataCorrupted`
    /// ("not valid YAML"); unwrap them to keep the key path.
    static func describe(_ error: any Error, file: String?) -> ConfigError {
        switch error {
        case let e as UnknownKeyError:
            return ConfigError(
                file: file, keyPath: e.keyPath,
                message: "unknown key (expected one of: \(e.expected.joined(separator: ", ")))")
        case let e as InvalidValueError:
            return ConfigError(file: file, keyPath: e.keyPath, message: e.message)
        case var e as ConfigError:
            e.file = e.file ?? file
            return e
        case DecodingError.dataCorrupted(let ctx) where ctx.underlyingError is DecodingError:
            return describe(ctx.underlyingError!, file: file)
        case DecodingError.dataCorrupted(let ctx) where ctx.underlyingError is YamlError:
            return describe(ctx.underlyingError as! YamlError, file: file)
        case DecodingError.dataCorrupted(let ctx) where ctx.underlyingError != nil:
            return describe(ctx.underlyingError!, file: file)
        case let e as DecodingError:
            return describe(e, file: file)
        case let e as YamlError:
            return describe(e, file: file)
        default:
            return ConfigError(file: file, keyPath: "", message: "\(error)")
        }
    }

    /// Position and problem only: Yams' own descriptions quote the offending line (or, for a
    /// duplicate key, the whole file), which may hold a secret.
    static func describe(_ error: YamlError, file: String?) -> ConfigError {
        func at(_ mark: Mark) -> String { "line \(mark.line), column \(mark.column)" }
        func within(_ context: YamlError.Context?) -> String {
            context.map { " (\($0.text) at \(at($0.mark)))" } ?? ""
        }
        let message: String
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            message = "\(at(mark)): \(problem)\(within(context))"
        case .reader(let problem, let offset, _, _):
            message = offset.map { "byte \($0): \(problem)" } ?? problem
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            message = "\(at(context.mark)): duplicate key \(keys)"
        case .dataCouldNotBeDecoded:
            message = "not valid UTF-8"
        default:
            message = "\(error)"
        }
        return ConfigError(file: file, keyPath: "", message: "invalid YAML: \(message)")
    }

    static func describe(_ error: DecodingError, file: String?) -> ConfigError {
        switch error {
        case .keyNotFound(let key, let ctx):
            return ConfigError(
                file: file, keyPath: ConfigError.keyPath(ctx.codingPath + [key]), message: "required key is missing")
        case .typeMismatch(let type, let ctx):
            return ConfigError(
                file: file, keyPath: ConfigError.keyPath(ctx.codingPath), message: "expected \(typeName(type))")
        case .valueNotFound(let type, let ctx):
            return ConfigError(
                file: file, keyPath: ConfigError.keyPath(ctx.codingPath),
                message: "expected \(typeName(type)), found null")
        case .dataCorrupted(let ctx):
            return ConfigError(file: file, keyPath: ConfigError.keyPath(ctx.codingPath), message: ctx.debugDescription)
        @unknown default:
            return ConfigError(file: file, keyPath: "", message: "\(error)")
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is UInt16.Type, is Int64.Type: return "an integer"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            // Yams reports its node types (Node.Sequence, Node.Mapping, Node.Scalar).
            let n = "\(type)"
            if n.hasPrefix("Array") || n.contains("Sequence") { return "a list" }
            if n.hasPrefix("Dictionary") || n.contains("Mapping") { return "a mapping" }
            if n.contains("Scalar") { return "a single value" }
            return "a value of type \(n)"
        }
    }
}
