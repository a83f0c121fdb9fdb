import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The persistence file: every group as JSON, written to a temporary file that is synced and
/// renamed over the old one, so a crash leaves the old file or the new one, never half of one.
enum PersistenceFile {
    static let format = "push-gateway/1"

    struct Contents: Codable {
        var format: String
        var groups: [Group]
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func encode(_ groups: [Group]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        return try encoder.encode(Contents(format: format, groups: groups))
    }

    static func decode(_ data: Data) throws -> [Group] {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        let contents = try decoder.decode(Contents.self, from: data)
        guard contents.format == format else {
            throw Failure(description: "unknown format \"\(contents.format)\" (expected \"\(format)\")")
        }
        for g in contents.groups where g.key.job.isEmpty {
            throw Failure(description: "a group without a job")
        }
        return contents.groups
    }

    /// Writes atomically: `<path>.tmp`, fsync, rename, fsync of the directory.
    static func write(_ groups: [Group], to path: String) throws {
        let data = try encode(groups)
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot create \(tmp): \(errnoText())") }
        var ok = false
        defer {
            if !ok { unlink(tmp) }
        }
        do {
            defer { close(fd) }
            try data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw Failure(description: "cannot write \(tmp): \(errnoText())")
                    }
                    offset += n
                }
            }
            guard fsync(fd) == 0 else { throw Failure(description: "cannot sync \(tmp): \(errnoText())") }
        }
        guard rename(tmp, path) == 0 else {
            throw Failure(description: "cannot rename \(tmp) to \(path): \(errnoText())")
        }
        ok = true
        let dir = (path as NSString).deletingLastPathComponent
        let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            _ = fsync(dfd)
            close(dfd)
        }
    }

    enum Loaded {
        /// No file yet: start empty.
        case none
        case groups([Group])
        /// Unreadable: moved to `movedTo` (nil if even that failed); start empty.
        case corrupt(reason: String, movedTo: String?)
    }

    /// Reads the file; a corrupt one is renamed `<path>.corrupt-<unix seconds>` so that it is
    /// kept for inspection and not overwritten by the next write.
    static func load(from path: String, now: Double) -> Loaded {
        guard FileManager.default.fileExists(atPath: path) else { return .none }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return .groups(try decode(data))
        } catch {
            let aside = "\(path).corrupt-\(Int(now))"
            let moved = rename(path, aside) == 0 ? aside : nil
            return .corrupt(reason: describe(error), movedTo: moved)
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c): return "not valid JSON: \(c.debugDescription)"
        case DecodingError.keyNotFound(let k, let c):
            return "missing \(k.stringValue) at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return
                "unexpected value at \(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
        default: return "\(error)"
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
