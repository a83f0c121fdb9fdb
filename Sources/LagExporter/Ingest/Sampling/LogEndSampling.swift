import KafkaWire
import Logging

/// One log-end sample (ListOffsets latest, one request per leader broker) of every partition of
/// the topics the filter keeps, and of consumed partitions the last metadata did not list yet
/// (`LagStore.sampleTargets`): the log-end history lag and Burrow's rules are computed from.
struct LogEndSampling: Sendable {
    let client: any IngestClient
    let store: LagStore
    let logger: Logger

    /// `now`: the sample's time, in milliseconds since the epoch.
    func run(now: Int64) async {
        let (tps, consumed) = store.sampleTargets
        guard !tps.isEmpty else {
            // Nothing to sample is no sign of a hung broker.
            store.updateProgress { $0.contactDue["log_end_offsets"] = nil }
            return
        }
        var ends: [TopicPartition: Int64] = [:]
        var failed = 0
        var firstError: (any Error)?
        for (tp, r) in await client.listOffsets(tps, spec: .latest) {
            switch r {
            case .success(let o): ends[tp] = o.offset
            case .failure(let e):
                failed += 1
                firstError = firstError ?? e
            }
        }
        store.addLogEnds(ends, now: now, consumed: consumed)
        if let firstError {
            store.count { $0.requestErrors["ListOffsets", default: 0] += Int64(failed) }
            logger.debug(
                "log-end offsets missing for some partitions",
                metadata: ["cluster": "\(store.config.name)", "failed": "\(failed)", "err": "\(firstError)"])
        }
        if !ends.isEmpty {
            store.heard("log_end_offsets", cadence: store.config.offsetRefresh.duration)
        }
    }
}
