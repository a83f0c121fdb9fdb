import KafkaWire

/// Maps a DescribeLogDirs response of one broker to `LogDirReport`s (pure).
enum LogDirMapping {
    /// - `topicDetail`: the request asked for all topics (`Topics: null`), so the partition
    ///   sizes are complete and `usedBytes` is known. With `Topics: []` it stays nil.
    /// - `version`: the response's version; IsCordoned exists from v5 (Kafka 4.1+, KIP-1066).
    static func reports(
        broker: String, response: DescribeLogDirsResponse, topicDetail: Bool, version: Int16 = 4
    ) -> [LogDirReport] {
        response.results.map { r in
            let online = r.errorCode == 0
            var report = LogDirReport(broker: broker, logDir: r.logDir, online: online)
            if version >= 5 { report.cordoned = r.isCordoned }
            // v1..v3 do not carry totals (decoded as the default -1); v4+ brokers send -1 when unknown.
            if online && r.totalBytes >= 0 { report.totalBytes = r.totalBytes }
            if online && r.usableBytes >= 0 { report.usableBytes = r.usableBytes }
            if online && topicDetail {
                var used: Int64 = 0
                for topic in r.topics {
                    for p in topic.partitions {
                        if p.isFutureKey {
                            report.futureReplicas += 1
                        }
                        guard p.partitionSize >= 0 else { continue }
                        used += p.partitionSize
                        if !p.isFutureKey { report.topicBytes[topic.name, default: 0] += p.partitionSize }
                    }
                }
                report.usedBytes = used
            }
            return report
        }
    }
}
