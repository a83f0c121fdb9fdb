import ExporterKit

/// Builds what `/metrics` serves: the pushed families of every group merged by name, each
/// group's `push_time_seconds` and `push_failure_time_seconds`, and the gateway's own
/// families, in the order and spelling of the Pushgateway (Prometheus' Go text encoder).
enum Exposition {
    static let pushTimeName = "push_time_seconds"
    static let pushTimeHelp = "Last Unix time when changing this group in the Pushgateway succeeded."
    static let failureTimeName = "push_failure_time_seconds"
    static let failureTimeHelp = "Last Unix time when changing this group in the Pushgateway failed."

    /// The families to serve, sorted by name, their series in Go's order; families without
    /// series are left out.
    static func merge(groups: [Group], own: [PushedFamily]) -> [PushedFamily] {
        var byName: [String: PushedFamily] = [:]
        var pushTime = PushedFamily(name: pushTimeName, help: pushTimeHelp, type: .gauge)
        var failureTime = PushedFamily(name: failureTimeName, help: failureTimeHelp, type: .gauge)
        pushTime.metrics.reserveCapacity(groups.count)
        failureTime.metrics.reserveCapacity(groups.count)
        for g in groups {
            for f in g.families.values {
                if byName[f.name] == nil {
                    byName[f.name] = f
                } else {
                    byName[f.name]!.metrics.append(contentsOf: f.metrics)
                }
            }
            let labels = timestampLabels(g.key)
            pushTime.metrics.append(PushedMetric(labels: labels, value: .simple(g.pushTime)))
            failureTime.metrics.append(PushedMetric(labels: labels, value: .simple(g.failureTime)))
        }
        if !groups.isEmpty {
            byName[pushTimeName] = pushTime
            byName[failureTimeName] = failureTime
        }
        for o in own {
            if var f = byName[o.name] {
                // A pushed family of the gateway's own name: served under its help (as the
                // Pushgateway does); a type clash was refused at push time.
                guard f.type == o.type else { continue }
                f.help = o.help
                f.metrics.append(contentsOf: o.metrics)
                byName[o.name] = f
            } else {
                byName[o.name] = o
            }
        }
        var out = byName.values.filter { !$0.metrics.isEmpty }
        out.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        for i in out.indices { out[i].metrics.sort(by: goMetricOrder) }
        return out
    }

    /// The grouping labels plus `instance=""` when the key has no instance, sorted.
    static func timestampLabels(_ key: GroupingKey) -> [Label] {
        var labels = key.labels
        if key.value(of: "instance") == nil {
            labels.append(Label("instance", ""))
            labels.sort { $0.name < $1.name }
        }
        return labels
    }

    /// client_golang's order: fewer labels first, then label values position by position.
    /// Go compares bytes; Swift's `<` compares NFC-normalized scalars, which is the same order
    /// for every NFC string (all ASCII ones, where it is a plain byte compare) and is 5x
    /// cheaper than comparing UTF-8 views here.
    static func goMetricOrder(_ a: PushedMetric, _ b: PushedMetric) -> Bool {
        let n = a.labels.count
        if n != b.labels.count { return n < b.labels.count }
        return a.labels.withUnsafeBufferPointer { x in
            b.labels.withUnsafeBufferPointer { y in
                for i in 0..<n where x[i].value != y[i].value { return x[i].value < y[i].value }
                return false
            }
        }
    }

    /// The gateway's own families (from the shared runtime) in the pushed-family model.
    static func convert(_ families: [MetricFamily]) -> [PushedFamily] {
        families.map { f in
            switch f.type {
            case .counter, .gauge, .untyped:
                let isCounter = f.type == .counter
                return PushedFamily(
                    name: isCounter ? f.name + "_total" : f.name, help: f.help,
                    type: isCounter ? .counter : f.type == .gauge ? .gauge : .untyped,
                    metrics: f.samples.map {
                        PushedMetric(labels: $0.labels.sorted { $0.name < $1.name }, value: .simple($0.value))
                    })
            case .histogram, .summary:
                return distribution(f)
            }
        }
    }

    /// A histogram or summary family: its samples joined into one series per label set (the
    /// `le` / `quantile` label and the `_bucket` / `_sum` / `_count` suffix say which part).
    static func distribution(_ f: MetricFamily) -> PushedFamily {
        let isHistogram = f.type == .histogram
        let special = isHistogram ? "le" : "quantile"
        var order: [[Label]] = []
        var parts: [[Label]: (count: Double, sum: Double, bounds: [PushedValue.Bound])] = [:]
        for sample in f.samples {
            let labels = sample.labels.filter { $0.name != special }.sorted { $0.name < $1.name }
            if parts[labels] == nil {
                order.append(labels)
                parts[labels] = (0, 0, [])
            }
            switch sample.suffix {
            case .count: parts[labels]!.count = sample.value
            case .sum: parts[labels]!.sum = sample.value
            case .bucket, .none:
                let at = sample.labels.first { $0.name == special }.flatMap { GoFloat.parse($0.value) }
                if let at { parts[labels]!.bounds.append(.init(at: at, value: sample.value)) }
            }
        }
        return PushedFamily(
            name: f.name, help: f.help, type: isHistogram ? .histogram : .summary,
            metrics: order.map { labels in
                let p = parts[labels]!
                return PushedMetric(
                    labels: labels,
                    value: isHistogram
                        ? .histogram(count: p.count, sum: p.sum, buckets: p.bounds)
                        : .summary(count: p.count, sum: p.sum, quantiles: p.bounds))
            })
    }
}
