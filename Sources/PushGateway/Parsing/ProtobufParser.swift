import ExporterKit

/// Parses a push body of varint-delimited `io.prometheus.client.MetricFamily` messages (what
/// the Go client sends by default). Field numbers are those of Prometheus' `metrics.proto`;
/// exemplars, created timestamps and native-histogram fields are skipped. A later family of
/// the same name replaces an earlier one, as in the Pushgateway.
enum ProtobufParser {
    typealias Failure = ProtobufReader.Failure

    static func parse(_ body: [UInt8]) throws(Failure) -> TextFormatParser.Result {
        var r = ProtobufReader(body[...])
        var families: [String: PushedFamily] = [:]
        var hasTimestamps = false
        var n = 0
        while !r.atEnd {
            n += 1
            let message: ArraySlice<UInt8>
            do {
                message = try r.lengthDelimited()
            } catch {
                throw Failure(description: "metric family \(n): \(error.description)")
            }
            do {
                let f = try family(message, timestamps: &hasTimestamps)
                families[f.name] = f
            } catch {
                throw Failure(description: "metric family \(n): \(error.description)")
            }
        }
        return TextFormatParser.Result(families: families, hasTimestamps: hasTimestamps)
    }

    /// The protobuf enum: COUNTER 0, GAUGE 1, SUMMARY 2, UNTYPED 3, HISTOGRAM 4 (GAUGE_HISTOGRAM
    /// 5 has no text-format equivalent).
    static func type(_ raw: UInt64) throws(Failure) -> PushedType {
        switch raw {
        case 0: .counter
        case 1: .gauge
        case 2: .summary
        case 3: .untyped
        case 4: .histogram
        default: throw Failure(description: "metric type \(raw) is not supported (text format 0.0.4 has no equivalent)")
        }
    }

    static func family(_ bytes: ArraySlice<UInt8>, timestamps: inout Bool) throws(Failure) -> PushedFamily {
        var r = ProtobufReader(bytes)
        var name = ""
        var help: String?
        var typ = PushedType.counter  // proto2 default: the enum's first value
        var rawMetrics: [ArraySlice<UInt8>] = []
        while !r.atEnd {
            let (field, wire) = try r.tag()
            switch field {
            case 1:
                try r.expect(.lengthDelimited, wire, field: "name")
                name = try r.string()
            case 2:
                try r.expect(.lengthDelimited, wire, field: "help")
                help = try r.string()
            case 3:
                try r.expect(.varint, wire, field: "type")
                typ = try type(try r.varint())
            case 4:
                try r.expect(.lengthDelimited, wire, field: "metric")
                rawMetrics.append(try r.lengthDelimited())
            default: try r.skip(wire)
            }
        }
        guard ExpositionValidator.isValidMetricName(name) else {
            throw Failure(description: "invalid metric name \"\(name)\"")
        }
        var f = PushedFamily(name: name, help: help, type: typ)
        for m in rawMetrics {
            f.metrics.append(try metric(m, family: name, type: typ, timestamps: &timestamps))
        }
        return f
    }

    static func metric(
        _ bytes: ArraySlice<UInt8>, family: String, type: PushedType, timestamps: inout Bool
    ) throws(Failure) -> PushedMetric {
        var r = ProtobufReader(bytes)
        var labels: [Label] = []
        var value: PushedValue?
        var present: PushedType?
        while !r.atEnd {
            let (field, wire) = try r.tag()
            switch field {
            case 1:
                try r.expect(.lengthDelimited, wire, field: "label")
                labels.append(try label(try r.lengthDelimited()))
            case 2, 3, 5:  // gauge, counter, untyped: field 1 is the value
                try r.expect(.lengthDelimited, wire, field: "value")
                present = field == 2 ? .gauge : field == 3 ? .counter : .untyped
                value = .simple(try simple(try r.lengthDelimited()))
            case 4:
                try r.expect(.lengthDelimited, wire, field: "summary")
                present = .summary
                value = try summary(try r.lengthDelimited())
            case 7:
                try r.expect(.lengthDelimited, wire, field: "histogram")
                present = .histogram
                value = try histogram(try r.lengthDelimited())
            case 6:
                try r.skip(wire)
                timestamps = true
            default: try r.skip(wire)
            }
        }
        guard let value, present == type else {
            throw Failure(description: "a metric of \(family) has no \(type.protoName) value")
        }
        var names = Set<String>()
        for l in labels {
            guard ExpositionValidator.isValidLabelName(l.name) else {
                throw Failure(description: "metric \(family) has a label with an invalid name: \"\(l.name)\"")
            }
            guard names.insert(l.name).inserted else {
                throw Failure(description: "metric \(family) has two or more labels named \(l.name)")
            }
            if (type == .summary && l.name == "quantile") || (type == .histogram && l.name == "le") {
                throw Failure(description: "metric \(family) must not have an explicit \"\(l.name)\" label")
            }
        }
        labels.sort { $0.name < $1.name }
        return PushedMetric(labels: labels, value: value)
    }

    static func label(_ bytes: ArraySlice<UInt8>) throws(Failure) -> Label {
        var r = ProtobufReader(bytes)
        var name = ""
        var value = ""
        while !r.atEnd {
            let (field, wire) = try r.tag()
            switch field {
            case 1:
                try r.expect(.lengthDelimited, wire, field: "label name")
                name = try r.string()
            case 2:
                try r.expect(.lengthDelimited, wire, field: "label value")
                value = try r.string()
            default: try r.skip(wire)
            }
        }
        return Label(name, value)
    }

    /// Gauge, Counter and Untyped all hold `double value = 1`.
    static func simple(_ bytes: ArraySlice<UInt8>) throws(Failure) -> Double {
        var r = ProtobufReader(bytes)
        var v = 0.0
        while !r.atEnd {
            let (field, wire) = try r.tag()
            if field == 1 && wire == .fixed64 { v = try r.double() } else { try r.skip(wire) }
        }
        return v
    }

    static func summary(_ bytes: ArraySlice<UInt8>) throws(Failure) -> PushedValue {
        var r = ProtobufReader(bytes)
        var count = 0.0
        var sum = 0.0
        var quantiles: [PushedValue.Bound] = []
        while !r.atEnd {
            let (field, wire) = try r.tag()
            switch (field, wire) {
            case (1, .varint): count = Double(try r.varint())
            case (2, .fixed64): sum = try r.double()
            case (3, .lengthDelimited): quantiles.append(try pair(try r.lengthDelimited(), at: 1, value: 2))
            default: try r.skip(wire)
            }
        }
        return .summary(count: count, sum: sum, quantiles: quantiles)
    }

    static func histogram(_ bytes: ArraySlice<UInt8>) throws(Failure) -> PushedValue {
        var r = ProtobufReader(bytes)
        var count = 0.0
        var sum = 0.0
        var buckets: [PushedValue.Bound] = []
        while !r.atEnd {
            let (field, wire) = try r.tag()
            switch (field, wire) {
            case (1, .varint): count = Double(try r.varint())
            case (2, .fixed64): sum = try r.double()
            case (3, .lengthDelimited): buckets.append(try bucket(try r.lengthDelimited()))
            default: try r.skip(wire)
            }
        }
        return .histogram(count: count, sum: sum, buckets: buckets)
    }

    /// Quantile: `double quantile = 1; double value = 2`.
    static func pair(_ bytes: ArraySlice<UInt8>, at: UInt64, value: UInt64) throws(Failure) -> PushedValue.Bound {
        var r = ProtobufReader(bytes)
        var b = PushedValue.Bound(at: 0, value: 0)
        while !r.atEnd {
            let (field, wire) = try r.tag()
            switch (field, wire) {
            case (at, .fixed64): b.at = try r.double()
            case (value, .fixed64): b.value = try r.double()
            default: try r.skip(wire)
            }
        }
        return b
    }

    /// Bucket: `uint64 cumulative_count = 1; double upper_bound = 2`.
    static func bucket(_ bytes: ArraySlice<UInt8>) throws(Failure) -> PushedValue.Bound {
        var r = ProtobufReader(bytes)
        var b = PushedValue.Bound(at: 0, value: 0)
        while !r.atEnd {
            let (field, wire) = try r.tag()
            switch (field, wire) {
            case (1, .varint): b.value = Double(try r.varint())
            case (2, .fixed64): b.at = try r.double()
            default: try r.skip(wire)
            }
        }
        return b
    }
}
