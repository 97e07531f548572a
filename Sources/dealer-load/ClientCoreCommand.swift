import ArgumentParser
import Foundation
import DealerClient
import DealerProtocol

/// `dealer-load client-core`: calls/s of the async client library itself.
struct ClientCoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client-core",
        abstract: "Health/Check through the async client library: calls/s and latency.",
        discussion: """
            Each of --connections connections runs --in-flight tasks that call Health/Check back to \
            back with async/await; compare with `run --mode health` (the lean pipelining client) to see \
            what the client core costs. --client connection uses bare DealerConnections; --client pool \
            one DealerClientPool of --connections connections through the typed Health client.
            """
    )

    /// Which client library layer carries the calls.
    enum Client: String, ExpressibleByArgument, CaseIterable {
        case connection, pool
    }

    @OptionGroup var shape: LoadShapeOptions

    @OptionGroup var tls: LoadTLSOptions

    @Option(help: "connection (bare DealerConnection) or pool (DealerClientPool + typed client).")
    var client: Client = .connection

    mutating func run() async throws {
        let result: StorageLoad.Result
        switch client {
        case .connection:
            result = try await runOverConnections()
        case .pool:
            result = try await runOverPool()
        }
        print(
            "mode=client-core client=\(client.rawValue) tls=\(tls.settings != nil) connections=\(shape.connections) in-flight=\(shape.inFlight) "
                + "calls/s=\(Int(result.callsPerSecond.rounded())) p50=\(Int(result.microseconds(0.5)))us "
                + "p99=\(Int(result.microseconds(0.99)))us client-cpu=\(Int((result.clientCPU * 100).rounded()))% "
                + "cpu-us/call=\(String(format: "%.1f", result.clientCPU * 1e6 / result.callsPerSecond))")
    }

    private func runOverConnections() async throws -> StorageLoad.Result {
        var opened: [DealerConnection] = []
        for _ in 0..<shape.connections {
            opened.append(
                try await DealerConnection.connect(
                    host: shape.host, port: shape.port, clientName: "dealer-load client-core", tls: tls.settings))
        }
        let slots: [StorageLoad.Call] = opened.flatMap { connection in
            (0..<shape.inFlight).map { _ in
                { @Sendable _ in
                    let response = try await connection.call(Health_V1_Health.check, Health_V1_CheckRequest())
                    guard response.status == .serving else { throw LoadFailure(reason: "Health/Check answered \(response.status)") }
                }
            }
        }
        let result = try await StorageLoad(slots: slots, warmup: .seconds(shape.warmup), duration: .seconds(shape.duration)).run()
        for connection in opened { await connection.close() }
        return result
    }

    private func runOverPool() async throws -> StorageLoad.Result {
        var configuration = DealerClientPool.Configuration(host: shape.host, port: shape.port)
        configuration.connections = shape.connections
        configuration.clientName = "dealer-load client-core"
        configuration.tls = tls.settings
        let slotCount = shape.connections * shape.inFlight
        let (warmup, duration) = (shape.warmup, shape.duration)
        return try await withDealerClientPool(configuration: configuration) { pool in
            let health = Health_V1_HealthClient(pool)
            let slots: [StorageLoad.Call] = (0..<slotCount).map { _ in
                { @Sendable _ in
                    let response = try await health.check()
                    guard response.status == .serving else { throw LoadFailure(reason: "Health/Check answered \(response.status)") }
                }
            }
            return try await StorageLoad(slots: slots, warmup: .seconds(warmup), duration: .seconds(duration)).run()
        }
    }
}
