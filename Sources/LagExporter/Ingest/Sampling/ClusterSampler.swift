import ExporterKit
import Logging

/// The cluster's periodic jobs beside reading commits, on the two cadences of its config. Each
/// `topic_refresh`: the metadata, then log-start offsets. Each `offset_refresh`: log-end offsets,
/// then commit expiry, then (exact lag) record timestamps at lagging commits.
struct ClusterSampler: Sendable {
    let store: LagStore
    let metadata: MetadataRefresh
    let logStarts: LogStartRefresh
    let logEnds: LogEndSampling
    let expiry: CommitExpiry
    let exactLag: ExactLagFetch

    init(client: any IngestClient, store: LagStore, logger: Logger, outages: OutageLog) {
        self.store = store
        metadata = MetadataRefresh(client: client, store: store, outages: outages)
        logStarts = LogStartRefresh(client: client, store: store)
        logEnds = LogEndSampling(client: client, store: store, logger: logger)
        expiry = CommitExpiry(store: store)
        exactLag = ExactLagFetch(client: client, store: store)
    }

    /// Runs both schedules until cancelled.
    func run() async {
        var nextTopicRefresh = ContinuousClock.now
        while !Task.isCancelled {
            let started = ContinuousClock.now
            if started >= nextTopicRefresh {
                await refreshTopics()
                nextTopicRefresh = started + store.config.topicRefresh.duration
            }
            await refreshOffsets()
            let next = started + store.config.offsetRefresh.duration
            guard await pause(next - ContinuousClock.now) else { return }
        }
    }

    /// The `topic_refresh` jobs. Log-start offsets are asked only after the metadata arrived.
    func refreshTopics() async {
        if await metadata.run() { await logStarts.run() }
    }

    /// The `offset_refresh` jobs. Also run once when ingest catches up, so the first evaluation
    /// has log-end offsets.
    func refreshOffsets() async {
        let now = WallClock.nowMs
        await logEnds.run(now: now)
        expiry.run(now: now)
        await exactLag.run()
    }
}
