// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "kafka-exporters",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ExporterKit", targets: ["ExporterKit"]),
        .library(name: "KafkaWire", targets: ["KafkaWire"]),
        .executable(name: "nodenet-exporter", targets: ["NodeNetExporter"]),
        .executable(name: "cluster-exporter", targets: ["ClusterExporter"]),
        .executable(name: "lag-exporter", targets: ["LagExporter"]),
        .executable(name: "push-gateway", targets: ["PushGateway"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"]), .brew(["lz4"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
        .systemLibrary(name: "CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"]), .brew(["snappy"])]),
        // CRC-32C with the CPU instruction (SSE4.2 / ARMv8 CRC), chosen at run time.
        .target(name: "CCRC32C"),
        // Cyrus SASL's client API (GSSAPI plugin loaded at run time) and MIT GSS-API for keytab credentials.
        .systemLibrary(
            name: "CSASL", pkgConfig: "libsasl2",
            providers: [
                .apt(["libsasl2-dev", "libkrb5-dev", "libsasl2-modules-gssapi-mit"]), .brew(["cyrus-sasl", "krb5"]),
            ]
        ),
        // What every program of the fleet and the Kafka client share: YAML config loading with
        // strict decoding and its errors, durations, bounded file reading, the outage log. No
        // HTTP, no Kafka. (It also imports CYaml, Yams' C parser, for the alias budget: a
        // target of the Yams package, not a product, so it comes with Yams.)
        .target(
            name: "ExporterBase",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ExporterKit",
            dependencies: [
                "ExporterBase",
                "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Kafka's wire format without I/O: the generated messages, their primitives and error
        // codes, and record-batch decoding (CRC-32C, decompression, the transaction filter).
        // It knows nothing of connections, security or config; KafkaWire re-exports it.
        .target(
            name: "KafkaProtocol",
            dependencies: ["CCRC32C", "CZlib", "CLZ4", "CZstd", "CSnappy"],
            swiftSettings: swiftSettings
        ),
        // The Kafka client: broker connections, TLS and SASL, cluster config.
        .target(
            name: "KafkaWire",
            dependencies: [
                "KafkaProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                "ExporterBase",
                "CSASL",
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "NodeNetExporter",
            dependencies: [
                "ExporterKit",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ClusterExporter",
            dependencies: [
                "ExporterKit",
                "KafkaWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "LagExporter",
            dependencies: [
                "ExporterKit",
                "KafkaWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "PushGateway",
            dependencies: [
                "ExporterKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "records-bench",
            dependencies: ["KafkaWire", "CZlib", "CLZ4", "CZstd", "CSnappy"],
            path: "Benchmarks/RecordsBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "drain-bench",
            dependencies: ["KafkaWire", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/DrainBench",
            swiftSettings: swiftSettings
        ),
        // Process, port, test-broker and wire-bytes helpers shared by the test targets.
        .target(
            name: "TestSupport",
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ExporterKitTests",
            dependencies: [
                "ExporterKit", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KafkaWireTests",
            dependencies: [
                "KafkaWire", "KafkaProtocol", "ExporterBase", "TestSupport", "CZlib", "CLZ4", "CZstd", "CSnappy",
            ],
            exclude: ["Peers"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KafkaWireIntegrationTests",
            dependencies: ["KafkaWire", "TestSupport", .product(name: "Logging", package: "swift-log")],
            exclude: ["Peers"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ClusterExporterTests",
            dependencies: [
                "ClusterExporter", "ExporterKit", "KafkaWire", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LagExporterTests",
            dependencies: [
                "LagExporter", "KafkaWire", "ExporterKit", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PushGatewayTests",
            dependencies: ["PushGateway", "ExporterKit"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NodeNetExporterTests",
            dependencies: ["NodeNetExporter", "ExporterKit"],
            swiftSettings: swiftSettings
        ),
        // Replays the committed fuzz corpus (Fuzz/corpus) through the fuzz targets' own bodies
        // (Tests/FuzzReplayTests/Bodies, symlinked into Fuzz/) in the normal debug build.
        .testTarget(
            name: "FuzzReplayTests",
            dependencies: [
                "LagExporter", "NodeNetExporter", "ExporterKit", "KafkaWire", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
