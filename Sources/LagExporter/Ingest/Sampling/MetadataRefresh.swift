import ExporterKit
import KafkaWire

/// Refreshes the cluster metadata: topics that no longer exist vanish from every group, and the
/// partition counts say which partitions log-end and log-start sampling ask for.
struct MetadataRefresh: Sendable {
    let client: any IngestClient
    let store: LagStore
    let outages: OutageLog

    /// Returns whether metadata arrived; a failure is counted, kept as the last error and logged
    /// once per outage.
    func run() async -> Bool {
        do {
            let metadata = try await client.refreshMetadata()
            var counts: [String: Int] = [:]
            // A topic answered with an error but with its partitions is still there.
            for (name, t) in metadata.topics where !t.errorCode.isError || !t.partitions.isEmpty {
                counts[name] = t.partitions.count
            }
            store.applyMetadata(topicPartitions: counts)
            store.heard("metadata", cadence: store.config.topicRefresh.duration)
            outages.record("metadata", error: nil, "metadata refresh")
            return true
        } catch {
            store.count { $0.requestErrors["Metadata", default: 0] += 1 }
            store.updateProgress { $0.lastError = "Metadata: \(error)" }
            outages.record("metadata", error: error, "metadata refresh")
            return false
        }
    }
}
