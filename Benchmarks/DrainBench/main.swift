// drain-bench: drains N records of one topic from the earliest offsets with KafkaWire, decoding
// every batch (CRC checked), and prints one JSON line: records, value bytes, wall and CPU seconds.
// Run: drain-bench BOOTSTRAP TOPIC N [--partition-max-bytes B] [--max-bytes B] [--timeout SECONDS]
// Used by scripts/bench-drain.sh (against confluent-kafka's consumer on the same topic).
import KafkaWire
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct Options {
    var bootstrap: BrokerAddress
    var topic: String
    var records: Int
    var partitionMaxBytes: Int32 = 4 << 20
    var maxBytes: Int32 = 50 << 20
    var timeout: Duration = .seconds(120)
}

struct DrainError: Error, CustomStringConvertible {
    var description: String
}

func fail(_ message: String) -> Never {
    let line = "drain-bench: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(1)
}

func parseOptions(_ args: [String]) -> Options {
    let usage = "usage: drain-bench BOOTSTRAP TOPIC N [--partition-max-bytes B] [--max-bytes B] [--timeout SECONDS]"
    var positional: [String] = []
    var flags: [String: String] = [:]
    var i = 1
    while i < args.count {
        if args[i].hasPrefix("--") {
            guard i + 1 < args.count else { fail("\(args[i]) needs a value\n\(usage)") }
            flags[args[i]] = args[i + 1]
            i += 2
        } else {
            positional.append(args[i])
            i += 1
        }
    }
    guard positional.count == 3, let address = BrokerAddress(parsing: positional[0]),
        let n = Int(positional[2]), n > 0
    else { fail(usage) }
    var options = Options(bootstrap: address, topic: positional[1], records: n)
    for (flag, value) in flags {
        switch flag {
        case "--partition-max-bytes":
            guard let v = Int32(value), v > 0 else { fail("bad \(flag) \(value)") }
            options.partitionMaxBytes = v
        case "--max-bytes":
            guard let v = Int32(value), v > 0 else { fail("bad \(flag) \(value)") }
            options.maxBytes = v
        case "--timeout":
            guard let v = Double(value), v > 0 else { fail("bad \(flag) \(value)") }
            options.timeout = .milliseconds(Int64(v * 1000))
        default:
            fail("unknown option \(flag)\n\(usage)")
        }
    }
    return options
}

/// User + system CPU seconds of this process (all threads).
func cpuSeconds() -> (user: Double, system: Double) {
    var usage = rusage()
    #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    #else
        getrusage(RUSAGE_SELF, &usage)
    #endif
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return (seconds(usage.ru_utime), seconds(usage.ru_stime))
}

struct DrainResult {
    var records = 0
    var valueBytes = 0
    var fetches = 0
    var batches = 0
    /// Sum of the next offsets reached: equals `records` when no record was counted twice.
    var endOffsetsSum: Int64 = 0
}

/// Fetches all partitions of `topic` (one request per leader per round, as `KafkaClient.fetch`
/// groups them) from the earliest offsets until `options.records` records have been counted.
/// Stops at the count, not at the high watermark: the test broker reports a short one after
/// multi-record batches.
func drain(_ client: KafkaClient, _ options: Options, deadline: ContinuousClock.Instant) async throws -> DrainResult {
    let metadata = try await client.refreshMetadata(topics: [options.topic])
    guard let topic = metadata.topics[options.topic], topic.errorCode == .none, !topic.partitions.isEmpty else {
        throw DrainError(description: "topic \(options.topic) not found")
    }
    let partitions = topic.partitions.keys.sorted().map { TopicPartition(options.topic, $0) }
    var offsets: [TopicPartition: Int64] = [:]
    for (tp, result) in await client.listOffsets(partitions, spec: .earliest) {
        offsets[tp] = try result.get().offset
    }
    var result = DrainResult()
    while result.records < options.records {
        guard ContinuousClock.now < deadline else {
            throw DrainError(description: "timed out after \(result.records) of \(options.records) records")
        }
        let fetched = await client.fetch(
            offsets, isolation: .readUncommitted, maxBytes: options.maxBytes,
            partitionMaxBytes: options.partitionMaxBytes, maxWait: .milliseconds(500))
        result.fetches += 1
        for (tp, partResult) in fetched {
            let part = try partResult.get()
            let decoded = RecordSetDecoder.decode(part.records)
            if let error = decoded.errors.first { throw DrainError(description: "\(tp): \(error)") }
            let from = offsets[tp]!
            for batch in decoded.batches where !batch.isControl {
                result.batches += 1
                for record in batch.records where record.offset >= from {
                    result.records += 1
                    result.valueBytes += record.value?.count ?? 0
                }
            }
            if let next = decoded.resumeOffset { offsets[tp] = next }
        }
    }
    result.endOffsetsSum = offsets.values.reduce(0, +)
    return result
}

let options = parseOptions(CommandLine.arguments)
var logger = Logger(label: "drain-bench") { StreamLogHandler.standardError(label: $0) }
logger.logLevel = .warning

let clock = ContinuousClock()
let started = clock.now
let cpuStart = cpuSeconds()
let client: KafkaClient
do {
    client = try KafkaClient(config: KafkaConnectionConfig(bootstrap: [options.bootstrap]), logger: logger)
} catch {
    fail("\(error)")
}
let outcome: Result<DrainResult, any Error>
do {
    outcome = .success(try await drain(client, options, deadline: started + options.timeout))
} catch {
    outcome = .failure(error)
}
let wall = clock.now - started
let cpuEnd = cpuSeconds()
await client.close()

switch outcome {
case .failure(let error):
    fail("\(error)")
case .success(let r):
    let user = cpuEnd.user - cpuStart.user
    let system = cpuEnd.system - cpuStart.system
    let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
    print(
        "{\"records\": \(r.records), \"value_bytes\": \(r.valueBytes), \"fetches\": \(r.fetches), "
            + "\"batches\": \(r.batches), \"wall_s\": \(wallSeconds), \"cpu_s\": \(user + system), "
            + "\"user_s\": \(user), \"sys_s\": \(system), \"end_offsets_sum\": \(r.endOffsetsSum)}")
    if r.records != options.records {
        fail("counted \(r.records) records, expected \(options.records) (more than asked were on the topic?)")
    }
}
