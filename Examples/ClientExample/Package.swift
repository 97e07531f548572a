// swift-tools-version:6.0
import PackageDescription

/// A minimal internal service calling dealer through the client library:
/// `swift run --package-path Examples/ClientExample ClientExample --port 7420`.
/// SwiftPM names a path dependency after its directory (the checkout's name).
let dealer = Context.packageDirectory.split(separator: "/").dropLast(2).last.map(String.init) ?? "dealer"

let package = Package(
    name: "ClientExample",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "ClientExample",
            dependencies: [
                .product(name: "DealerClient", package: dealer),
                .product(name: "DealerProtocol", package: dealer),
            ]
        )
    ]
)
