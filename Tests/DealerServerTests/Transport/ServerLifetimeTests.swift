import DealerProtocol
import NIOCore
import Testing

@testable import DealerServer
import DealerTestSupport

@Suite("RPCServer lifetime")
struct ServerLifetimeTests {
    @Test("a server dropped without shutdown does not crash the process and stops listening")
    func droppedWithoutShutdown() async throws {
        // Deliberately not scoped: this is what a test that gives up early leaves behind.
        var server: TestServer? = try await TestServer.start()
        let port = try #require(server?.port)
        server = nil
        var refused = false
        for _ in 0..<1_000 where !refused {
            do {
                let raw = try await RawConnection.connect(port: port)
                await raw.close()
                try await Task.sleep(for: .milliseconds(10))
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                refused = true
            }
        }
        #expect(refused)
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
