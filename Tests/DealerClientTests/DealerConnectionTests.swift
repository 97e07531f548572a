import DealerClient
import DealerProtocol
import DealerServer
import DealerTestSupport
import Testing

@Suite("DealerConnection honours HelloAck, deadlines and keepalive", .timeLimit(.minutes(2)))
struct DealerConnectionTests {
    @Test("a request over the server's max frame size fails alone with REQUEST_TOO_LARGE; the connection serves the next call")
    func requestTooLarge() async throws {
        let gates = Gates()
        try await withTestServer(methods: TestMethods.table(gates: gates), configure: { $0.maxFrameSize = 1000 }) { server in
            let connection = try await server.connect()
            let error = await #expect(throws: RPCError.self) {
                try await connection.call(TestMethods.echo, .init(service: String(repeating: "x", count: 2000)))
            }
            #expect(error?.code == .resourceExhausted)
            #expect(error?.reason == .requestTooLarge)
            #expect(connection.isActive)
            #expect(try await connection.call(TestMethods.echo, .init(service: "small")).status == .serving)
            await connection.close()
        }
    }

    @Test("a call past its timeout fails DEADLINE_EXCEEDED with its reason, and the connection stays usable")
    func deadline() async throws {
        let gates = Gates()
        try await withTestServer(methods: TestMethods.table(gates: gates)) { server in
            let connection = try await server.connect()
            let error = await #expect(throws: RPCError.self) {
                try await connection.call(TestMethods.wait, .init(service: "never"), timeout: .milliseconds(200))
            }
            #expect(error?.code == .deadlineExceeded)
            #expect(error?.reason == .deadlineExceeded)
            gates.open("never")
            #expect(try await connection.call(Health_V1_Health.check, .init()).status == .serving)
            await connection.close()
        }
    }

    @Test("calls beyond max_in_flight_calls wait in the client's queue; a call whose deadline passes frees its slot")
    func inFlightQueue() async throws {
        let gates = Gates()
        let counter = CallCounter()
        try await withTestServer(
            methods: TestMethods.table(gates: gates, counter: counter), configure: { $0.maxInFlightCalls = 1 }
        ) { server in
            let connection = try await server.connect()
            #expect(connection.serverInfo.maxInFlightCalls == 1)
            async let stuck = outcome {
                try await connection.call(TestMethods.count, .init(service: "stuck@gate"), timeout: .milliseconds(300))
            }
            // Wait for the client to hold the only slot, not for the server to run the
            // call: on a loaded machine its 300 ms can pass while it is still queued on
            // the server, which then never runs it (a wait for its arrival would hang).
            var polls = 0
            while connection.outstandingCalls < 1 && polls < 2000 {
                try await Task.sleep(for: .milliseconds(5))
                polls += 1
            }
            async let next = outcome { try await connection.call(TestMethods.count, .init(service: "next")) }
            let stuckResult = await stuck
            if case .failure(let error as RPCError) = stuckResult {
                #expect(error.code == .deadlineExceeded)
            } else {
                Issue.record("the stuck call did not time out: \(stuckResult)")
            }
            // The expired call's local slot goes to the queued one, which is sent. (The
            // server keeps its own slot until the stuck handler returns: open the gate.)
            gates.open("gate")
            #expect((try? await next.get())?.status == .serving)
            #expect(counter.count("next") == 1)
            #expect(counter.count("stuck") <= 1)
            await connection.close()
        }
    }

    @Test("HelloAck announces the idle timeout; keepalive Pings keep a connection open past several idle timeouts")
    func keepalive() async throws {
        // Idle timeout 3 s (Pings every second): only an event loop stalled for
        // two seconds could starve the Pings; tests are loaded, but not that much.
        try await withTestServer(configure: { $0.idleTimeout = .seconds(3) }) { server in
            // Without keepalive the server closes the idle connection.
            let plain = try await server.connect()
            #expect(plain.serverInfo.idleTimeoutMs == 3000)
            await plain.waitUntilClosed()

            let kept = try await DealerConnection.connect(
                host: "127.0.0.1", port: server.port, keepalive: DealerConnection.Keepalive())
            // Pings go out at most every idle/3 of write silence, so 7 Pongs
            // span more than 2 idle timeouts. Polling (bounded): no event exists.
            var polls = 0
            while kept.keepalivePongsReceived < 7 && kept.isActive && polls < 3000 {
                try await Task.sleep(for: .milliseconds(20))
                polls += 1
            }
            #expect(kept.keepalivePongsReceived >= 7)
            #expect(kept.isActive)
            #expect(try await kept.call(Health_V1_Health.check, .init()).status == .serving)
            await kept.close()
        }
    }

    @Test("the typed clients work over a single connection")
    func typedClientOverConnection() async throws {
        try await withTestServer { server in
            let connection = try await server.connect()
            let health = Health_V1_HealthClient(connection)
            #expect(try await health.check().status == .serving)
            #expect(Health_V1_Health.idempotentMethodPaths == ["/health.v1.Health/Check"])
            #expect(Auth_V1_AuthService.idempotentMethodPaths.contains("/auth.v1.AuthService/WhoAmI"))
            #expect(!Auth_V1_AuthService.idempotentMethodPaths.contains("/auth.v1.AuthService/Login"))
            await connection.close()
        }
    }
}
