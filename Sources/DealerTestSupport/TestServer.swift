import DealerClient
import DealerProtocol
import DealerServer
import DealerServices
import DealerStore
import Foundation
import Logging
import NIOCore

/// A live `RPCServer` on 127.0.0.1, port 0, for one test (made only by the
/// scoped `withTestServer` / `withServicesTestServer`): either the
/// protocol core alone (Health, plus any test methods) or every service over
/// a fresh SQLite database in a temporary directory.
public struct TestServer: Sendable {
    public let server: RPCServer
    public let servingState: ServingState
    /// The services' environment, when started with `withServices`.
    public let environment: ServiceEnvironment?
    /// The injected clock of the services.
    public let clock: ManualClock
    public let databaseDirectory: String?

    public var port: Int { server.localAddress.port! }
    public var store: DealerStore { environment!.store }

    /// The protocol core with `methods` (default: Health only). Tests use
    /// `withTestServer`, which also stops it on every path.
    static func start(
        methods: MethodTable? = nil,
        configure: (inout ServerConfiguration) -> Void = { _ in }
    ) async throws -> TestServer {
        let servingState = ServingState()
        let server = try await RPCServer.start(
            configuration: configuration(configure),
            methods: methods ?? ServiceAssembly.methodTable(servingState: servingState),
            servingState: servingState,
            logger: quietLogger())
        return TestServer(
            server: server, servingState: servingState, environment: nil, clock: ManualClock(), databaseDirectory: nil)
    }

    /// Every service over a fresh database, with cheap password hashing and a
    /// manual clock; with `gates`, the `TestMethods` too. Tests use
    /// `withServicesTestServer`, which also stops it.
    static func withServices(
        services: (inout ServicesConfiguration) -> Void = { _ in },
        configure: (inout ServerConfiguration) -> Void = { _ in },
        gates: Gates? = nil,
        logger: Logger? = nil,
        store configureStore: (inout DealerStoreConfiguration) -> Void = { _ in }
    ) async throws -> TestServer {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("dealer-test-\(UUID().uuidString)").path
        var storeConfiguration = DealerStoreConfiguration(path: directory + "/dealer.sqlite")
        configureStore(&storeConfiguration)
        let store = try DealerStore(configuration: storeConfiguration, logger: logger ?? quietLogger())
        var servicesConfiguration = ServicesConfiguration.testing
        services(&servicesConfiguration)
        let clock = ManualClock()
        let environment = ServiceEnvironment(store: store, clock: clock, configuration: servicesConfiguration)
        let servingState = ServingState()
        var methods = ServiceAssembly.methodTable(servingState: servingState, environment: environment)
        if let gates { TestMethods.register(into: &methods, gates: gates) }
        let serverConfiguration = configuration(configure)
        if let metrics = serverConfiguration.metrics {
            store.observeCommits { writes, nanoseconds in metrics.recordCommit(writes: writes, nanoseconds: nanoseconds) }
        }
        let server = try await RPCServer.start(
            configuration: serverConfiguration,
            methods: methods,
            servingState: servingState,
            logger: logger ?? quietLogger())
        return TestServer(
            server: server, servingState: servingState, environment: environment, clock: clock,
            databaseDirectory: directory)
    }

    public func connect(name: String = "tests", tls: DealerTLS? = nil) async throws -> DealerConnection {
        // A generous connect + handshake bound, like the server's timers in
        // tests: a suite under ThreadSanitizer on a loaded machine runs many
        // times slower, and 10 s (the default) is not always enough.
        try await DealerConnection.connect(
            host: "127.0.0.1", port: port, clientName: name, connectTimeout: .seconds(120), tls: tls)
    }

    /// A raw connection; `reading: false` never reads the server's frames.
    public func raw(reading: Bool = true) async throws -> RawConnection {
        try await RawConnection.connect(port: port, reading: reading)
    }

    /// Shuts the server down and removes its database.
    public func stop() async {
        await server.shutdown()
        if let databaseDirectory {
            try? FileManager.default.removeItem(atPath: databaseDirectory)
        }
    }

    private static func configuration(_ configure: (inout ServerConfiguration) -> Void) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.blockingThreads = 2
        // Test servers run many at once (in parallel tests, and under
        // ThreadSanitizer, which gives every thread large shadow memory): a
        // small write lane; tests of group commit size set their own.
        configuration.writeThreads = 4
        // Timers that guard against misbehaving peers are far longer than any
        // test's own steps, so a loaded machine that stalls the event loops
        // for seconds cannot trip them; tests of those timers set their own.
        configuration.handshakeTimeout = .seconds(120)
        configuration.frameReceiveTimeout = .seconds(120)
        configure(&configuration)
        return configuration
    }

    private static func quietLogger() -> Logger {
        var logger = Logger(label: "test-server")
        logger.logLevel = .critical
        return logger
    }
}

/// Test-only methods with behaviour the tests control.
public enum TestMethods {
    /// Blocks on the gate named by `service` in the request until it opens, then answers SERVING.
    public static let wait = RPCMethod<Health_V1_CheckRequest, Health_V1_CheckResponse>(service: "test.v1.Test", name: "Wait")
    /// Answers at once, from the blocking pool.
    public static let echo = RPCMethod<Health_V1_CheckRequest, Health_V1_CheckResponse>(service: "test.v1.Test", name: "Echo")
    /// Throws a non-RPC error.
    public static let crash = RPCMethod<Health_V1_CheckRequest, Health_V1_CheckResponse>(service: "test.v1.Test", name: "Crash")
    /// Like `wait`, but on the hashing lane (`HandlerExecution.hashing`), to hold its workers.
    public static let hashingWait = RPCMethod<Health_V1_CheckRequest, Health_V1_CheckResponse>(
        service: "test.v1.Test", name: "HashingWait")

    /// Like `wait`, but on the write lane (`HandlerExecution.writing`), to hold its workers.
    public static let writeWait = RPCMethod<Health_V1_CheckRequest, Health_V1_CheckResponse>(
        service: "test.v1.Test", name: "WriteWait")

    /// Answers, from the blocking pool, with a message of `Int(request.service)`
    /// bytes (a CheckRequest whose service is that many "x"): a small request
    /// with a large response.
    public static let bulk = RPCMethod<Health_V1_CheckRequest, Health_V1_CheckRequest>(service: "test.v1.Test", name: "Bulk")
    /// `bulk` answered inline, on the connection's event loop.
    public static let bulkInline = RPCMethod<Health_V1_CheckRequest, Health_V1_CheckRequest>(
        service: "test.v1.Test", name: "BulkInline")

    struct Oops: Error { let secret = "database password is hunter2" }

    private static func bulkResponse(_ request: Health_V1_CheckRequest) -> Health_V1_CheckRequest {
        Health_V1_CheckRequest(service: String(repeating: "x", count: Int(request.service) ?? 0))
    }

    /// `service` is `key` or `key@gate`: records one execution of `key` in the
    /// table's `CallCounter`, then (with a gate) blocks until the gate opens.
    public static let count = RPCMethod<Health_V1_CheckRequest, Health_V1_CheckResponse>(service: "test.v1.Test", name: "Count")

    public static func table(gates: Gates, counter: CallCounter = CallCounter()) -> MethodTable {
        var table = ServiceAssembly.methodTable(servingState: ServingState())
        register(into: &table, gates: gates, counter: counter)
        return table
    }

    /// Adds the test methods to `table` (a services table, for instance).
    public static func register(into table: inout MethodTable, gates: Gates, counter: CallCounter = CallCounter()) {
        table.register(wait) { request, _ in
            gates.wait(request.service)
            return Health_V1_CheckResponse(status: .serving)
        }
        table.register(hashingWait, execution: .hashing) { request, _ in
            gates.wait(request.service)
            return Health_V1_CheckResponse(status: .serving)
        }
        table.register(writeWait, execution: .writing) { request, _ in
            gates.wait(request.service)
            return Health_V1_CheckResponse(status: .serving)
        }
        table.register(echo) { _, _ in Health_V1_CheckResponse(status: .serving) }
        table.register(crash) { _, _ in throw Oops() }
        table.register(bulk) { request, _ in bulkResponse(request) }
        table.register(bulkInline, execution: .eventLoop) { request, _ in bulkResponse(request) }
        table.register(count) { request, _ in
            let parts = request.service.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            counter.record(parts[0])
            if parts.count == 2 { gates.wait(parts[1]) }
            return Health_V1_CheckResponse(status: .serving)
        }
    }
}
