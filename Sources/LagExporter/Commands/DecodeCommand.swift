import ArgumentParser
import ExporterKit
import KafkaWire

/// `lag-exporter decode`: `KEY_HEX VALUE_HEX` lines (`-` for a null value) on stdin, one JSON
/// object per line on stdout. Bad lines give `{"line": N, "error": "..."}` and decoding goes on.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode __consumer_offsets records given as hex (KEY_HEX VALUE_HEX per line, '-' = null value).")

    func run() throws {
        var number = 0
        while let line = readLine(strippingNewline: true) {
            number += 1
            let trimmed = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty { continue }
            print(Self.decodeLine(trimmed.map(String.init), number: number))
        }
    }

    static func decodeLine(_ fields: [String], number: Int) -> String {
        func failure(_ message: String) -> String {
            "{\"line\":\(number),\"error\":\(JSONText.quoted(message))}"
        }
        guard fields.count == 2 else { return failure("expected 2 fields (KEY_HEX VALUE_HEX), got \(fields.count)") }
        guard let key = hex(fields[0]) else { return failure("key is not hex") }
        let value: [UInt8]?
        if fields[1] == "-" {
            value = nil
        } else if let v = hex(fields[1]) {
            value = v
        } else {
            return failure("value is not hex (use - for a null value)")
        }
        do {
            return try OffsetsRecord.decode(key: key, value: value).json
        } catch {
            return failure(error.description)
        }
    }

    static func hex(_ s: String) -> [UInt8]? {
        let digits = Array(s.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let hi = nibble(digits[i]), let lo = nibble(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
