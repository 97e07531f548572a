// swift-tools-version:6.0
import PackageDescription

/// libFuzzer targets for dealer, kept out of the root package so that a plain
/// `swift build` / `swift test` never builds them. Build and run them with
/// `scripts/fuzz [SECONDS]` (it passes `--sanitize=fuzzer --sanitize=address`;
/// `-enable-testing` lets ConnectionFuzzer reach the server's internal
/// pipeline handlers through `@testable import`).
///
/// - FrameSplitterFuzzer: the length-prefix splitter (`FrameDecoder`).
/// - FrameFuzzer: `rpc.v1.Frame` decoding, and re-encoding what decoded.
/// - RequestFuzzer: the request message of every method of the full method
///   table (first byte picks the method, the rest is the payload).
/// - ConnectionFuzzer: the server's connection pipeline (`ServerFrameDecoder`
///   + `ServerConnectionHandler`) with every service over a temporary SQLite
///   database, fed the input as inbound bytes on an in-process channel.
///
/// SwiftPM names a path dependency after its directory (the checkout's name).
let dealer = Context.packageDirectory.split(separator: "/").dropLast(1).last.map(String.init) ?? "dealer"

let package = Package(
    name: "DealerFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .target(
            name: "FuzzChecks",
            dependencies: [
                .product(name: "DealerProtocol", package: dealer),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "FrameSplitterFuzzer",
            dependencies: [
                .product(name: "DealerProtocol", package: dealer),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "FrameFuzzer",
            dependencies: ["FuzzChecks", .product(name: "DealerProtocol", package: dealer)]
        ),
        .executableTarget(
            name: "RequestFuzzer",
            dependencies: [
                "FuzzChecks",
                .product(name: "DealerProtocol", package: dealer),
                .product(name: "DealerServer", package: dealer),
            ]
        ),
        .executableTarget(
            name: "ConnectionFuzzer",
            dependencies: [
                "FuzzChecks",
                .product(name: "DealerProtocol", package: dealer),
                .product(name: "DealerServer", package: dealer),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
