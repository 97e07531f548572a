import DealerClient
import DealerProtocol
import DealerServices
import Logging
import NIOCore

@testable import DealerServer

/// A live `RPCServer` on 127.0.0.1, port 0, for one test.
struct TestServer {
    let server: RPCServer
    let servingState: ServingState

    var port: Int { server.localAddress.port! }

    static func start(
        methods: MethodTable? = nil,
        configure: (inout ServerConfiguration) -> Void = { _ in }
    ) async throws -> TestServer {
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.blockingThreads = 2
        configure(&configuration)
        let servingState = ServingState()
        var logger = Logger(label: "test-server")
        logger.logLevel = .critical
        let server = try await RPCServer.start(
            configuration: configuration,
            methods: methods ?? ServiceAssembly.methodTable(servingState: servingState),
            servingState: servingState,
            logger: logger)
        return TestServer(server: server, servingState: servingState)
    }

    func connect(name: String = "tests") async throws -> DealerConnection {
        try await DealerConnection.connect(host: "127.0.0.1", port: port, clientName: name)
    }

    func raw() async throws -> RawConnection {
        try await RawConnection.connect(port: port)
    }
}

/// Test-only methods with behaviour the tests control.
enum TestMethods {
    /// Blocks on the gate named by `service` in the request until it opens, then answers SERVING.
    static let wait = RPCMethod<Health_V1_CheckRequest, Health_V1_CheckResponse>(service: "test.v1.Test", name: "Wait")
    /// Answers at once, from the blocking pool.
    static let echo = RPCMethod<Health_V1_CheckRequest, Health_V1_CheckResponse>(service: "test.v1.Test", name: "Echo")
    /// Throws a non-RPC error.
    static let crash = RPCMethod<Health_V1_CheckRequest, Health_V1_CheckResponse>(service: "test.v1.Test", name: "Crash")

    struct Oops: Error { let secret = "database password is hunter2" }

    static func table(gates: Gates) -> MethodTable {
        var table = ServiceAssembly.methodTable(servingState: ServingState())
        table.register(wait) { request, _ in
            gates.wait(request.service)
            return Health_V1_CheckResponse(status: .serving)
        }
        table.register(echo) { _, _ in Health_V1_CheckResponse(status: .serving) }
        table.register(crash) { _, _ in throw Oops() }
        return table
    }
}
