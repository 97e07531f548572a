import DealerProtocol
import DealerServices
import Logging
import NIOCore
import Testing

@testable import DealerServer
import DealerTestSupport

@Suite("RPCServer lifetime")
struct ServerLifetimeTests {
    @Test("a server dropped without shutdown is released without crashing the process")
    func droppedWithoutShutdown() async throws {
        // Deliberately not scoped: this is what a test that gives up early leaves behind.
        var configuration = ServerConfiguration()
        configuration.port = 0
        var server: RPCServer? = try await RPCServer.start(
            configuration: configuration, methods: ServiceAssembly.methodTable(servingState: ServingState()),
            logger: Logger(label: "dropped-server"))
        weak let released = server
        #expect(released != nil)
        server = nil
        // Its deinit ran (and, with a promise inside, used to trap in debug builds).
        #expect(released == nil)
    }

    @Test("shutdown called concurrently and again afterwards returns every time")
    func repeatedShutdown() async throws {
        try await withTestServer { server in
            async let first: Void = server.server.shutdown()
            async let second: Void = server.server.shutdown()
            _ = await (first, second)
            await server.server.shutdown()
            await #expect(throws: (any Error).self) { _ = try await server.connect() }
        }
    }
}
