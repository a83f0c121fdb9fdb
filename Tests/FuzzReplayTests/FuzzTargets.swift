/// One libFuzzer target of Fuzz/ and the body it runs on every input (Bodies/, compiled by both
/// packages). The name is the target's directory under Fuzz/corpus/ and its file prefix in
/// Fuzz/slow/ and Fuzz/crashes/.
struct FuzzTarget: Sendable, CustomStringConvertible {
    let name: String
    let body: @Sendable (UnsafeBufferPointer<UInt8>) -> Void

    var description: String { name }

    static let all: [FuzzTarget] = [
        FuzzTarget(name: "record-batch", body: recordBatchFuzzBody),
        FuzzTarget(name: "responses", body: responsesFuzzBody),
        FuzzTarget(name: "offsets-record", body: offsetsRecordFuzzBody),
        FuzzTarget(name: "procnet", body: procNetFuzzBody),
        FuzzTarget(name: "config", body: configFuzzBody),
        FuzzTarget(name: "http", body: httpFuzzBody),
    ]
}
