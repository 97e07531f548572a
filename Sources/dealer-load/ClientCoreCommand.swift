import ArgumentParser
import DealerClient
import DealerProtocol

/// `dealer-load client-core`: calls/s of the async client library itself.
struct ClientCoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client-core",
        abstract: "Health/Check through DealerConnection (the async client core): calls/s and latency.",
        discussion: """
            Each of --connections DealerConnections runs --in-flight tasks that call Health/Check back to \
            back with async/await; compare with `run --mode health` (the lean pipelining client) to see \
            what the client core costs.
            """
    )

    @OptionGroup var shape: LoadShapeOptions

    mutating func run() async throws {
        var opened: [DealerConnection] = []
        for _ in 0..<shape.connections {
            opened.append(try await DealerConnection.connect(host: shape.host, port: shape.port, clientName: "dealer-load client-core"))
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
        print(
            "mode=client-core connections=\(shape.connections) in-flight=\(shape.inFlight) "
                + "calls/s=\(Int(result.callsPerSecond.rounded())) p50=\(Int(result.microseconds(0.5)))us "
                + "p99=\(Int(result.microseconds(0.99)))us client-cpu=\(Int((result.clientCPU * 100).rounded()))%")
    }
}
