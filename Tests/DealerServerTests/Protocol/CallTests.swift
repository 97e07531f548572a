import DealerClient
import DealerProtocol
import NIOCore
import Testing

@testable import DealerServer
import DealerTestSupport

@Suite("Calls over a real socket")
struct CallTests {
    @Test("Health/Check answers SERVING without a token")
    func healthCheck() async throws {
        try await withTestServer { server in
            let connection = try await server.connect()
            let response = try await connection.call(Health_V1_Health.check, Health_V1_CheckRequest())
            #expect(response.status == .serving)
            let unknown = try await connection.call(Health_V1_Health.check, Health_V1_CheckRequest(service: "nope.v1.X"))
            #expect(unknown.status == .serviceUnknown)
            await connection.close()
        }
    }

    @Test("an unknown method answers UNIMPLEMENTED and the connection stays usable")
    func unknownMethod() async throws {
        try await withTestServer { server in
            let connection = try await server.connect()
            let bogus = RPCMethod<Health_V1_CheckRequest, Health_V1_CheckResponse>(service: "nope.v1.Nope", name: "Nope")
            let error = await #expect(throws: RPCError.self) {
                try await connection.call(bogus, Health_V1_CheckRequest())
            }
            #expect(error?.code == .unimplemented)
            #expect(error?.reason == .unknownMethod)
            #expect(try await connection.call(Health_V1_Health.check, .init()).status == .serving)
            await connection.close()
        }
    }

    @Test("a declared but not yet implemented method answers UNIMPLEMENTED / NOT_IMPLEMENTED")
    func declaredNotImplemented() async throws {
        try await withTestServer { server in
            let connection = try await server.connect()
            let error = await #expect(throws: RPCError.self) {
                try await connection.call(Client_V1_ClientService.disconnect, .init())
            }
            #expect(error?.code == .unimplemented)
            await connection.close()
        }
    }

    @Test("a payload that does not parse answers INVALID_ARGUMENT and the connection stays usable")
    func badPayload() async throws {
        try await withTestServer { server in
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            try await raw.send(.request(Rpc_V1_Request(callID: 1, method: Health_V1_Health.check.path, payload: [0xFF, 0xFF])))
            let bad = await frames.next()
            guard case .response(let response) = bad?.kind else { Issue.record("expected a Response"); return }
            #expect(response.callID == 1)
            #expect(response.status?.code == .invalidArgument)
            #expect(response.status?.reason == "BAD_PAYLOAD")
            try await raw.send(.request(Rpc_V1_Request(callID: 2, method: Health_V1_Health.check.path)))
            let good = await frames.next()
            guard case .response(let ok) = good?.kind else { Issue.record("expected a Response"); return }
            #expect(ok.callID == 2)
            #expect(ok.error == nil)
            #expect(try Health_V1_CheckResponse(serializedBytes: ok.payload).status == .serving)
            await raw.close()
        }
    }

    @Test("Ping is answered with Pong carrying the same opaque")
    func pingPong() async throws {
        try await withTestServer { server in
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            try await raw.send(Rpc_V1_Frame(kind: .ping(Rpc_V1_Ping(opaque: 0xABCDEF))))
            #expect(await frames.next()?.kind == .pong(Rpc_V1_Pong(opaque: 0xABCDEF)))
            let connection = try await server.connect()
            try await connection.ping()
            await raw.close()
            await connection.close()
        }
    }

    @Test("a slow call does not hold back a fast one: responses come out of order")
    func outOfOrder() async throws {
        let gates = Gates()
        try await withTestServer(methods: TestMethods.table(gates: gates)) { server in
            let connection = try await server.connect()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    _ = try await connection.call(TestMethods.wait, .init(service: "slow"))
                }
                await gates.arrived("slow")
                // The slow call is running; a fast call on the same connection completes.
                let fast = try await connection.call(TestMethods.echo, .init())
                #expect(fast.status == .serving)
                let inline = try await connection.call(Health_V1_Health.check, .init())
                #expect(inline.status == .serving)
                gates.open("slow")
                try await group.waitForAll()
            }
            await connection.close()
        }
    }

    @Test("a call past its timeout answers DEADLINE_EXCEEDED, server side")
    func deadlineExceeded() async throws {
        let gates = Gates()
        try await withTestServer(methods: TestMethods.table(gates: gates)) { server in
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            try await raw.call(9, TestMethods.wait.path, Health_V1_CheckRequest(service: "never"), timeoutMs: 50)
            let answer = await frames.next()
            guard case .response(let response) = answer?.kind else { Issue.record("expected a Response"); return }
            #expect(response.callID == 9)
            #expect(response.status?.code == .deadlineExceeded)
            gates.open("never")
            await raw.close()
        }
    }

    @Test("the client library fails a call past its timeout with DEADLINE_EXCEEDED")
    func clientDeadline() async throws {
        let gates = Gates()
        try await withTestServer(methods: TestMethods.table(gates: gates)) { server in
            let connection = try await server.connect()
            let error = await #expect(throws: RPCError.self) {
                try await connection.call(TestMethods.wait, .init(service: "never"), timeout: .milliseconds(50))
            }
            #expect(error?.code == .deadlineExceeded)
            gates.open("never")
            #expect(try await connection.call(TestMethods.echo, .init()).status == .serving)
            await connection.close()
        }
    }

    @Test("an unexpected error answers INTERNAL with a generic message, never the error itself")
    func internalErrorIsGeneric() async throws {
        try await withTestServer(methods: TestMethods.table(gates: Gates())) { server in
            let connection = try await server.connect()
            let error = await #expect(throws: RPCError.self) {
                try await connection.call(TestMethods.crash, .init())
            }
            #expect(error?.code == .internal)
            #expect(error?.reason == .internalError)
            #expect(error?.message.contains("hunter2") == false)
            #expect(error?.message.contains("Oops") == false)
            await connection.close()
        }
    }

    @Test("Cancel answers the call CANCELLED at once")
    func cancel() async throws {
        let gates = Gates()
        try await withTestServer(methods: TestMethods.table(gates: gates)) { server in
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            try await raw.call(3, TestMethods.wait.path, Health_V1_CheckRequest(service: "c"))
            await gates.arrived("c")
            try await raw.send(Rpc_V1_Frame(kind: .cancel(Rpc_V1_Cancel(callID: 3))))
            guard case .response(let response) = await frames.next()?.kind else { Issue.record("expected a Response"); return }
            #expect(response.callID == 3)
            #expect(response.status?.code == .cancelled)
            gates.open("c")
            await raw.close()
        }
    }

    @Test("above the in-flight limit calls wait (backpressure), none fails")
    func backpressure() async throws {
        let gates = Gates()
        try await withTestServer(methods: TestMethods.table(gates: gates), configure: { $0.maxInFlightCalls = 2 }) { server in
            let connection = try await server.connect()
            try await withThrowingTaskGroup(of: Health_V1_CheckResponse.self) { group in
                for _ in 0..<10 {
                    group.addTask { try await connection.call(TestMethods.wait, .init(service: "bp")) }
                }
                await gates.arrived("bp", count: 2)
                gates.open("bp")
                var answered = 0
                for try await response in group {
                    #expect(response.status == .serving)
                    answered += 1
                }
                #expect(answered == 10)
            }
            await connection.close()
        }
    }

    @Test("many concurrent calls on one connection all get their own answer")
    func manyConcurrentCalls() async throws {
        try await withTestServer { server in
            let connection = try await server.connect()
            try await withThrowingTaskGroup(of: Health_V1_CheckResponse.self) { group in
                for index in 0..<500 {
                    group.addTask {
                        try await connection.call(
                            Health_V1_Health.check, .init(service: index % 2 == 0 ? "" : "unknown.v1.X"))
                    }
                }
                var serving = 0
                var unknown = 0
                for try await response in group {
                    if response.status == .serving { serving += 1 }
                    if response.status == .serviceUnknown { unknown += 1 }
                }
                #expect(serving == 250 && unknown == 250)
            }
            await connection.close()
        }
    }
}
