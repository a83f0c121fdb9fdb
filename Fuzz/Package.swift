// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for the main package, built only by scripts/fuzz.sh (never by the normal
// build or CI). Each executable defines LLVMFuzzerTestOneInput; libFuzzer supplies main, hence
// -parse-as-library. The sanitizer flags come from the command line (scripts/fuzz.sh).
// The targets' bodies are the main package's Tests/FuzzReplayTests/Bodies (symlinks), which
// replay the committed corpus in the normal test build; FUZZ_PACKAGE tells them that the
// exporters' symlinked sources are part of this module rather than `@testable` imports.
let fuzzSettings: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"]), .define("FUZZ_PACKAGE")]

let kafkaWire = Target.Dependency.product(name: "KafkaWire", package: "kafka-exporters")
let exporterKit = Target.Dependency.product(name: "ExporterKit", package: "kafka-exporters")

let package = Package(
    name: "kafka-exporters-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "kafka-exporters", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // Times every input (libFuzzer's own slow-unit report counts whole seconds).
        .target(name: "FuzzSupport"),
        .executableTarget(
            name: "FuzzRecordBatch", dependencies: [kafkaWire, "FuzzSupport"], swiftSettings: fuzzSettings),
        .executableTarget(
            name: "FuzzResponses", dependencies: [kafkaWire, "FuzzSupport"], swiftSettings: fuzzSettings),
        // Symlinked sources of the lag-exporter and nodenet-exporter executables.
        .executableTarget(
            name: "FuzzOffsetsRecord", dependencies: [kafkaWire, "FuzzSupport"], swiftSettings: fuzzSettings),
        .executableTarget(name: "FuzzProcNet", dependencies: ["FuzzSupport"], swiftSettings: fuzzSettings),
        .executableTarget(
            name: "FuzzConfig", dependencies: [exporterKit, kafkaWire, "FuzzSupport"], swiftSettings: fuzzSettings),
        .executableTarget(
            name: "FuzzHTTP",
            dependencies: [
                exporterKit, "FuzzSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: fuzzSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
