/// Numbers as the Pushgateway reads and prints them (Go's `strconv`), so that a value pushed
/// to either gateway is served with the same text.
enum GoFloat {
    /// `strconv.ParseFloat` as `expfmt` calls it: decimal or `Inf`/`NaN` spellings; hex
    /// floats and `_` separators refused.
    static func parse(_ s: String) -> Double? {
        guard !s.isEmpty,
            !s.utf8.contains(where: {
                $0 == UInt8(ascii: "p") || $0 == UInt8(ascii: "P") || $0 == UInt8(ascii: "_")
                    || $0 == UInt8(ascii: "x") || $0 == UInt8(ascii: "X") || $0 == 0x20
            })
        else { return nil }
        switch s.lowercased() {
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan", "+nan", "-nan": return .nan
        default: break
        }
        // Swift's parser also takes `nan(...)` and the like: only plain decimals get here.
        guard
            s.utf8.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e")
                    || $0 == UInt8(ascii: "E") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-")
            })
        else { return nil }
        return Double(s)
    }

    /// A summary's or histogram's count as Go's `uint64(v)` leaves it (NaN and negatives: 0).
    static func truncatedCount(_ v: Double) -> Double {
        guard v.isFinite, v > 0 else { return v == .infinity ? Double(UInt64.max) : 0 }
        return min(v, Double(UInt64.max)).rounded(.towardZero)
    }

    /// `strconv.FormatFloat(v, 'g', -1, 64)` with `expfmt`'s special cases: the shortest
    /// digits that read back as `v`, in exponent form when the decimal exponent is < -4 or >= 6 (`1e+06`).
    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == 0 { return "0" }
        // Whole numbers below 1e6 print as integers in Go's %g: skip the digit analysis.
        if v == v.rounded(.towardZero), abs(v) < 1e6 { return String(Int64(v)) }
        // Shortest round-trip digits: Swift's description has the same digits as Go's.
        let (digits, point) = decimalDigits(abs(v))
        let exp = point - 1
        var out = v < 0 ? "-" : ""
        if exp < -4 || exp >= 6 {
            out.append(digits.first!)
            if digits.count > 1 {
                out += "."
                out += digits.dropFirst()
            }
            out += exp < 0 ? "e-" : "e+"
            let e = abs(exp)
            if e < 10 { out += "0" }
            out += String(e)
        } else if point <= 0 {
            out += "0." + String(repeating: "0", count: -point) + digits
        } else if point >= digits.count {
            out += digits + String(repeating: "0", count: point - digits.count)
        } else {
            out += digits.prefix(point) + "." + digits.dropFirst(point)
        }
        return out
    }

    /// Significant digits (no leading or trailing zeros) and the position of the decimal point
    /// relative to their start.
    static func decimalDigits(_ v: Double) -> (String, Int) {
        let text = v.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var digits = ""
        var point = 0
        var seenPoint = false
        for ch in mantissa {
            if ch == "." {
                seenPoint = true
                continue
            }
            digits.append(ch)
            if !seenPoint { point += 1 }
        }
        // Strip leading zeros (each moves the point left) and trailing zeros.
        while digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        return (digits, point + exponent)
    }
}
