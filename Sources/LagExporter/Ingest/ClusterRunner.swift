import ExporterKit
import KafkaWire
import Logging

/// One configured cluster at work: its client, its store and the ingest tasks (the offsets
/// source and the cluster sampler). Stopping cancels the tasks and closes the client.
final class ClusterRunner: Sendable {
    let config: LagClusterConfig
    let store: LagStore
    let client: KafkaClient
    let logger: Logger
    private let task: Task<Void, Never>

    init(config: LagClusterConfig, logger: Logger) throws {
        self.config = config
        self.logger = logger
        let store = LagStore(config: config)
        let client = try KafkaClient(config: config.connection, logger: logger)
        self.store = store
        self.client = client
        task = Task {
            await Self.ingest(config: config, client: client, store: store, logger: logger)
        }
    }

    func stop() async {
        task.cancel()
        await task.value
        await client.close()
    }

    private static func ingest(config: LagClusterConfig, client: KafkaClient, store: LagStore, logger: Logger) async {
        // One line when a kind of request starts failing, one when it recovers: not one per retry.
        var outageLogger = logger
        outageLogger[metadataKey: "cluster"] = "\(config.name)"
        let outages = OutageLog(logger: outageLogger)
        let sampler = ClusterSampler(client: client, store: store, logger: logger, outages: outages)
        let reader = OffsetsTopicReader(client: client, store: store, logger: logger, outages: outages)
        let poller = AdminAPIPoller(client: client, store: store, logger: logger, outages: outages)
        let catchUp: @Sendable () async -> Void = {
            // Evaluate with fresh metadata and log-end offsets from the first report on.
            await sampler.refreshTopics()
            await sampler.refreshOffsets()
        }
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await sampler.run() }
            tasks.addTask {
                var source = config.source
                while !Task.isCancelled {
                    switch source {
                    case .adminAPI:
                        await poller.run(onFirstPoll: catchUp)
                        return
                    case .offsetsTopic, .auto:
                        do {
                            try await reader.run(onCaughtUp: catchUp) {
                                outages.record(
                                    "start", error: nil, "reading the offsets topic")
                            }
                            return
                        } catch let e as OffsetsTopicReader.Unreadable where source == .auto {
                            logger.warning(
                                "offsets topic not readable; using the admin API (ListGroups + OffsetFetch)",
                                metadata: ["cluster": "\(config.name)", "reason": "\(e)"])
                            source = .adminAPI
                            store.updateProgress { $0.contactDue["offsets_topic"] = nil }
                        } catch is CancellationError {
                            return
                        } catch {
                            // Broker down at start, or the topic is missing with source offsets-topic:
                            // say why and try again.
                            store.updateProgress { $0.lastError = "\(error)" }
                            outages.record(
                                "start", error: error, "reading the offsets topic (retried every 10s)")
                            guard await pause(.seconds(10)) else { return }
                        }
                    }
                }
            }
            await tasks.waitForAll()
        }
    }
}
