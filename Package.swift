// swift-tools-version:6.0
import PackageDescription

/// Layers, each depending only on the ones above it:
///   system C libraries + generated protobuf-c code
///   → DealerProtocol (Swift messages, framing, status)
///   → DealerStore (SQLite repository)
///   → DealerServices (Auth, Dealer, Client, Health rules)
///   → DealerServer (SwiftNIO server core, dispatcher, lifecycle)
/// DealerClient depends only on DealerProtocol (plus NIO, swift-service-lifecycle, swift-metrics).
let package = Package(
    name: "dealer",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dealerd", targets: ["dealerd"]),
        .executable(name: "dealerctl", targets: ["dealerctl"]),
        .executable(name: "dealer-load", targets: ["dealer-load"]),
        .library(name: "DealerClient", targets: ["DealerClient"]),
        .library(name: "DealerProtocol", targets: ["DealerProtocol"]),
        // For the libFuzzer package under Fuzz/ (not a public API): the server
        // core, services and store it drives in-process.
        .library(name: "DealerServer", targets: ["DealerServer", "DealerServices", "DealerStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // MARK: System libraries and generated C
        .systemLibrary(
            name: "CProtobufC",
            pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .target(
            name: "DealerProtoC",
            dependencies: ["CProtobufC"],
            path: "Sources/DealerProtoC"
        ),

        // MARK: Protocol layer
        .target(
            name: "DealerProtocol",
            dependencies: [
                "DealerProtoC",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            // Imports are internal unless marked `public import`, and members are
            // visible only in files that import their module: the C modules stay
            // inside the bridge file, and no C type can reach the public API.
            swiftSettings: [
                .enableUpcomingFeature("InternalImportsByDefault"),
                .enableUpcomingFeature("MemberImportVisibility"),
            ]
        ),

        // MARK: Storage
        .target(
            name: "DealerStore",
            dependencies: [
                "CSQLite",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Domain services
        .target(
            name: "DealerServices",
            dependencies: [
                "DealerProtocol",
                "DealerStore",
                "CSodium",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),

        // MARK: Server core
        .target(
            name: "DealerServer",
            dependencies: [
                "DealerProtocol",
                "DealerServices",
                "DealerStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // MARK: Client library
        .target(
            name: "DealerClient",
            dependencies: [
                "DealerProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),

        // MARK: Benchmark baseline (plain C with protobuf-c, no Swift)
        .target(
            name: "CodecBaselineC",
            dependencies: ["DealerProtoC"]
        ),

        // MARK: Executables (thin mains)
        .executableTarget(
            name: "dealerd",
            dependencies: [
                "DealerServer",
                "DealerServices",
                "DealerStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "dealerctl",
            dependencies: [
                "DealerClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "dealer-load",
            dependencies: [
                "DealerClient",
                "DealerProtocol",
                "DealerStore",
                "CodecBaselineC",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),

        // MARK: Test support (live servers on port 0, fresh databases)
        .target(
            name: "DealerTestSupport",
            dependencies: [
                "DealerServer",
                "DealerServices",
                "DealerStore",
                "DealerClient",
                "DealerProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Test support (a SQLite VFS that cuts the power and injects I/O faults)
        .target(
            name: "CPowerLossVFS",
            dependencies: ["CSQLite"]
        ),

        // MARK: Tests
        .testTarget(name: "DealerProtocolTests", dependencies: ["DealerProtocol"]),
        .testTarget(name: "DealerStoreTests", dependencies: ["DealerStore"]),
        .testTarget(name: "DealerCtlTests", dependencies: ["dealerctl", "DealerClient", "DealerProtocol", "DealerTestSupport"]),
        .testTarget(
            name: "DealerServerTests",
            dependencies: [
                "DealerServer",
                "DealerClient",
                "DealerTestSupport",
                "DealerServices",
                "DealerStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "DealerClientTests",
            dependencies: [
                "DealerClient",
                "DealerTestSupport",
                "DealerServer",
                "DealerServices",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "DealerServicesTests",
            dependencies: [
                "DealerServices",
                "DealerStore",
                "DealerClient",
                "DealerTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "DealerReliabilityTests",
            dependencies: [
                "CPowerLossVFS",
                "DealerStore",
                "DealerServices",
                "DealerProtocol",
                "DealerClient",
                "DealerTestSupport",
            ]
        ),
        .testTarget(
            name: "DealerLoadTests",
            dependencies: [
                "dealer-load",
                "DealerProtocol",
                "DealerServer",
                "DealerTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ]
)
