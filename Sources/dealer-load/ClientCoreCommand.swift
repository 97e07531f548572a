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

    @Option(help: "Server address.")
    var host = "127.0.0.1"

    @Option(help: "Server port.")
    var port: Int

    @Option(help: "Connections.")
    var connections = 16

    @Option(help: "Concurrent calling tasks per connection.")
    var inFlight = 16

    @Option(help: "Measured seconds.")
    var duration = 10.0

    @Option(help: "Seconds of load before measuring.")
    var warmup = 2.0

    mutating func run() async throws {
        var opened: [DealerConnection] = []
        for _ in 0..<connections {
            opened.append(try await DealerConnection.connect(host: host, port: port, clientName: "dealer-load client-core"))
        }
        let slots: [StorageLoad.Call] = opened.flatMap { connection in
            (0..<inFlight).map { _ in
                { @Sendable _ in
                    let response = try await connection.call(Health_V1_Health.check, Health_V1_CheckRequest())
                    guard response.status == .serving else { throw LoadFailure(reason: "Health/Check answered \(response.status)") }
                }
            }
        }
        let result = try await StorageLoad(slots: slots, warmup: .seconds(warmup), duration: .seconds(duration)).run()
        for connection in opened { await connection.close() }
        print(
            "mode=client-core connections=\(connections) in-flight=\(inFlight) "
                + "calls/s=\(Int(result.callsPerSecond.rounded())) p50=\(Int(result.microseconds(0.5)))us "
                + "p99=\(Int(result.microseconds(0.99)))us client-cpu=\(Int((result.clientCPU * 100).rounded()))%")
    }
}
