import DealerClient
import DealerProtocol
import NIOCore
import Testing

@testable import DealerServer
import DealerTestSupport

@Suite("Graceful shutdown")
struct ShutdownTests {
    @Test("calls in flight complete, the client gets GoAway, new calls and connections are refused")
    func inFlightCallsComplete() async throws {
        let gates = Gates()
        try await withTestServer(methods: TestMethods.table(gates: gates)) { server in
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            for callID in UInt64(1)...3 {
                try await raw.call(callID, TestMethods.wait.path, Health_V1_CheckRequest(service: "drain"))
            }
            await gates.arrived("drain", count: 2)
            // The third call waits for a worker: shut down only once the server has read it.
            _ = try #require(await server.firstConnectionLoad { $0.lastAcceptedCallID == 3 })
            async let shutdown: Void = server.server.shutdown()

            guard case .goAway(let goAway) = await frames.next()?.kind else { Issue.record("expected GoAway"); return }
            #expect(goAway.lastCallID == 3)
            #expect(goAway.status?.code == .unavailable)
            #expect(goAway.status?.reason == "SHUTTING_DOWN")
            #expect(server.servingState.isServing == false)

            // A call sent after GoAway is refused.
            try await raw.send(.request(Rpc_V1_Request(callID: 4, method: TestMethods.echo.path)))
            guard case .response(let refused) = await frames.next()?.kind else { Issue.record("expected a Response"); return }
            #expect(refused.callID == 4)
            #expect(refused.status?.code == .unavailable)

            // New connections are refused.
            await #expect(throws: (any Error).self) { _ = try await server.connect() }

            gates.open("drain")
            var answered: [UInt64] = []
            while let frame = await frames.next() {
                if case .response(let response) = frame.kind {
                    #expect(response.error == nil)
                    answered.append(response.callID)
                }
            }
            #expect(answered.sorted() == [1, 2, 3])
            await shutdown
        }
    }

    @Test("pending client calls fail with UNAVAILABLE when the connection drops")
    func pendingCallsFailOnDrop() async throws {
        let gates = Gates()
        try await withTestServer(
            methods: TestMethods.table(gates: gates), configure: { $0.shutdownGracePeriod = .milliseconds(50) }
        ) { server in
            let connection = try await server.connect()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let error = await #expect(throws: RPCError.self) {
                        try await connection.call(TestMethods.wait, .init(service: "stuck"))
                    }
                    #expect(error?.code == .unavailable)
                }
                await gates.arrived("stuck")
                // The grace period passes with the call still running: the server closes the connection.
                await server.stop()
                try await group.waitForAll()
            }
            gates.open("stuck")
            let error = await #expect(throws: RPCError.self) { try await connection.call(Health_V1_Health.check, .init()) }
            #expect(error?.code == .unavailable)
        }
    }
}
