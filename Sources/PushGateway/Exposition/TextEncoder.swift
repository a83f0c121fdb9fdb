import ExporterKit
import NIOCore

/// The text format 0.0.4 as Prometheus' Go encoder writes it (what the Pushgateway serves):
/// HELP only when the family has one, `le` / `quantile` after the series' labels, a
/// histogram's `+Inf` bucket added when missing, numbers as Go prints them.
enum TextEncoder {
    static func encode(_ families: [PushedFamily], into out: inout ByteBuffer) {
        for f in families {
            if let help = f.help {
                out.writeString("# HELP ")
                out.writeString(f.name)
                out.writeInteger(UInt8(0x20))
                ExpositionEncoder.writeEscaped(help, quotes: false, into: &out)
                out.writeInteger(UInt8(0x0A))
            }
            out.writeString("# TYPE ")
            out.writeString(f.name)
            out.writeInteger(UInt8(0x20))
            out.writeString(f.type.rawValue)
            out.writeInteger(UInt8(0x0A))
            for m in f.metrics {
                switch m.value {
                case .simple(let v):
                    line(f.name, "", m.labels, nil, v, into: &out)
                case .summary(let count, let sum, let quantiles):
                    for q in quantiles {
                        line(f.name, "", m.labels, ("quantile", q.at), q.value, into: &out)
                    }
                    line(f.name, "_sum", m.labels, nil, sum, into: &out)
                    line(f.name, "_count", m.labels, nil, count, into: &out)
                case .histogram(let count, let sum, let buckets):
                    for b in buckets {
                        line(f.name, "_bucket", m.labels, ("le", b.at), b.value, into: &out)
                    }
                    if !buckets.contains(where: { $0.at == .infinity }) {
                        line(f.name, "_bucket", m.labels, ("le", .infinity), count, into: &out)
                    }
                    line(f.name, "_sum", m.labels, nil, sum, into: &out)
                    line(f.name, "_count", m.labels, nil, count, into: &out)
                }
            }
        }
    }

    static func encodeString(_ families: [PushedFamily]) -> String {
        var buf = ByteBuffer()
        encode(families, into: &buf)
        return String(buffer: buf)
    }

    private static func line(
        _ name: String, _ suffix: String, _ labels: [Label], _ extra: (String, Double)?, _ value: Double,
        into out: inout ByteBuffer
    ) {
        out.writeString(name)
        out.writeString(suffix)
        if !labels.isEmpty || extra != nil {
            out.writeInteger(UInt8(ascii: "{"))
            var first = true
            for l in labels {
                if !first { out.writeInteger(UInt8(ascii: ",")) }
                first = false
                out.writeString(l.name)
                out.writeString("=\"")
                ExpositionEncoder.writeEscaped(l.value, quotes: true, into: &out)
                out.writeInteger(UInt8(ascii: "\""))
            }
            if let (n, v) = extra {
                if !first { out.writeInteger(UInt8(ascii: ",")) }
                out.writeString(n)
                out.writeString("=\"")
                out.writeString(GoFloat.format(v))
                out.writeInteger(UInt8(ascii: "\""))
            }
            out.writeInteger(UInt8(ascii: "}"))
        }
        out.writeInteger(UInt8(0x20))
        out.writeString(GoFloat.format(value))
        out.writeInteger(UInt8(0x0A))
    }

}
