import DealerProtocol
import Testing

@testable import DealerServer
import DealerTestSupport

@Suite("Calls are answered the moment their handler returns", .timeLimit(.minutes(2)))
struct ImmediateAnswerTests {
    @Test("a fast call queued behind a slow one is answered while the slow one still runs")
    func fastCallNotHeldByBatch() async throws {
        let gates = Gates()
        // One storage worker, so the fast call and the slow one wait in the same queue.
        try await withTestServer(methods: TestMethods.table(gates: gates), configure: { $0.blockingThreads = 1 }) { server in
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            try await raw.send(.wait(1, on: "first"))
            await gates.arrived("first")
            try await raw.send([.call(2, TestMethods.echo, .init()), .wait(3, on: "second"), .ping(7)])
            // The Pong says both calls are queued behind "first".
            guard case .pong = await frames.next()?.kind else { Issue.record("expected Pong"); return }
            gates.open("first")
            await gates.arrived("second")
            // "second" now holds the only worker; the Echo that ran before it is answered anyway.
            let answered = await frames.responses(2)
            #expect(Set(answered.map(\.callID)) == [1, 2])
            #expect(answered.allSatisfy { $0.error == nil })
            gates.open("second")
            #expect(await frames.nextResponse()?.callID == 3)
            await raw.close()
        }
    }

    @Test("a draining server answers its queued calls one by one, each exactly once")
    func drainingAnswersQueuedCalls() async throws {
        let gates = Gates()
        gates.open("never-runs")
        try await withTestServer(methods: TestMethods.table(gates: gates), configure: { $0.blockingThreads = 1 }) { server in
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            try await raw.send(.wait(1, on: "first"))
            await gates.arrived("first")
            try await raw.send([
                .call(2, TestMethods.echo, .init()), .wait(3, on: "second"), .wait(4, on: "never-runs"), .cancel(4),
            ])
            guard case .response(let cancelled) = await frames.next()?.kind else { Issue.record("expected a Response"); return }
            #expect(cancelled.callID == 4)
            #expect(cancelled.status?.code == .cancelled)

            async let shutdown: Void = server.server.shutdown()
            guard case .goAway(let goAway) = await frames.next()?.kind else { Issue.record("expected GoAway"); return }
            #expect(goAway.lastCallID == 4)
            gates.open("first")
            await gates.arrived("second")
            let beforeSecond = await frames.responses(2)
            #expect(Set(beforeSecond.map(\.callID)) == [1, 2])
            gates.open("second")
            let rest = await frames.collectRemainingResponses()
            #expect(rest.map(\.callID) == [3])
            #expect((beforeSecond + rest).allSatisfy { $0.error == nil })
            #expect(gates.arrivals("never-runs") == 0)
            await shutdown
        }
    }
}

extension AsyncStream<Rpc_V1_Frame>.Iterator {
    /// Every Response until the server closes the connection.
    fileprivate mutating func collectRemainingResponses() async -> [Rpc_V1_Response] {
        var responses: [Rpc_V1_Response] = []
        while let response = await nextResponse() { responses.append(response) }
        return responses
    }
}
