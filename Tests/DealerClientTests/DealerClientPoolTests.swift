import DealerClient
import DealerProtocol
import DealerServer
import DealerTestSupport
import Logging
import ServiceLifecycle
import Testing

@Suite("DealerClientPool: spreading, GoAway, reconnect, retries, tokens", .timeLimit(.minutes(3)))
struct DealerClientPoolTests {
    private func configuration(port: Int, connections: Int = 4) -> DealerClientPool.Configuration {
        var configuration = DealerClientPool.Configuration(host: "127.0.0.1", port: port)
        configuration.connections = connections
        configuration.backoff = ConnectionBackoff(initial: .milliseconds(20), max: .milliseconds(200))
        return configuration
    }

    @Test("1,000 concurrent calls over a pool all complete, each executed once")
    func thousandCalls() async throws {
        let counter = CallCounter()
        try await withTestServer(methods: TestMethods.table(gates: Gates(), counter: counter)) { server in
            try await withDealerClientPool(configuration: configuration(port: server.port)) { pool in
                try await withThrowingTaskGroup(of: Health_V1_ServingStatus.self) { group in
                    for index in 0..<1000 {
                        group.addTask { try await pool.call(TestMethods.count, .init(service: "call-\(index)")).status }
                    }
                    var serving = 0
                    for try await status in group where status == .serving { serving += 1 }
                    #expect(serving == 1000)
                }
                #expect(pool.usableConnections.count <= 4)
            }
        }
        #expect(counter.all.count == 1000)
        #expect(counter.all.values.allSatisfy { $0 == 1 })
    }

    @Test("GoAway: calls the server never accepted are re-sent on a fresh connection; the accepted one completes")
    func goAwayRetriesUnsentCalls() async throws {
        let gates = Gates()
        let counter = CallCounter()
        let methods = TestMethods.table(gates: gates, counter: counter)
        try await withTestServer(methods: methods, configure: { $0.maxInFlightCalls = 1; $0.shutdownGracePeriod = .seconds(60) }) { first in
            try await withTestServer(methods: methods) { second in
                try await withDealerClientPool(configuration: configuration(port: first.port, connections: 1)) { pool in
                    async let held = pool.call(TestMethods.count, .init(service: "held@hold"))
                    await gates.arrived("hold")
                    async let q0 = pool.call(TestMethods.count, .init(service: "queued-0"))
                    async let q1 = pool.call(TestMethods.count, .init(service: "queued-1"))
                    async let q2 = pool.call(TestMethods.count, .init(service: "queued-2"))
                    // HelloAck said max_in_flight_calls = 1: the three wait in the client's queue.
                    var polls = 0
                    while (pool.usableConnections.first?.outstandingCalls ?? 0) < 4 && polls < 2000 {
                        try await Task.sleep(for: .milliseconds(5))
                        polls += 1
                    }
                    #expect(pool.usableConnections.first?.outstandingCalls == 4)
                    pool.updateAddresses([DealerAddress(host: "127.0.0.1", port: second.port)])
                    async let shutdown: Void = first.server.shutdown()  // GoAway{last_call_id: 1}
                    let queued = try await [q0, q1, q2].map(\.status)
                    #expect(queued == [.serving, .serving, .serving])
                    gates.open("hold")
                    #expect(try await held.status == .serving)
                    await shutdown
                }
            }
        }
        #expect(counter.all == ["held": 1, "queued-0": 1, "queued-1": 1, "queued-2": 1])
    }

    @Test("server restarted: calls in flight fail UNAVAILABLE, later calls succeed after reconnect, none runs twice")
    func serverRestart() async throws {
        let gates = Gates()
        let counter = CallCounter()
        let methods = TestMethods.table(gates: gates, counter: counter)
        try await withTestServer(methods: methods, configure: { $0.shutdownGracePeriod = .milliseconds(50) }) { first in
            try await withDealerClientPool(configuration: configuration(port: first.port, connections: 2)) { pool in
                for index in 0..<20 {
                    #expect(try await pool.call(TestMethods.count, .init(service: "before-\(index)")).status == .serving)
                }
                async let inFlight0 = outcome { try await pool.call(TestMethods.count, .init(service: "inflight-0@crash")) }
                async let inFlight1 = outcome { try await pool.call(TestMethods.count, .init(service: "inflight-1@crash")) }
                await gates.arrived("crash", count: 2)
                await first.stop()
                gates.open("crash")
                for result in await [inFlight0, inFlight1] {
                    #expect(throws: RPCError.self) { try result.get() }
                    #expect((try? result.get()) == nil)
                    if case .failure(let error as RPCError) = result { #expect(error.code == .unavailable) }
                }
                try await withTestServer(methods: methods) { second in
                    pool.updateAddresses([DealerAddress(host: "127.0.0.1", port: second.port)])
                    for index in 0..<20 {
                        let status = try await pool.call(TestMethods.count, .init(service: "after-\(index)")).status
                        #expect(status == .serving)
                    }
                }
            }
        }
        let counts = counter.all
        #expect(counts.values.allSatisfy { $0 == 1 })
        #expect(counts.count == 42)
    }

    @Test("typed errors carry the server's code and reason through the pool")
    func typedErrors() async throws {
        try await withServicesTestServer { server in
            try await withDealerClientPool(configuration: configuration(port: server.port, connections: 1)) { pool in
                let error = await #expect(throws: RPCError.self) {
                    try await Auth_V1_AuthServiceClient(pool).whoAmI()
                }
                #expect(error?.code == .unauthenticated)
                #expect(error?.reason == .tokenRequired)
            }
        }
    }

    @Test("the token provider attaches the token and logs in again once on SESSION_INVALID")
    func tokenProvider() async throws {
        try await withServicesTestServer { server in
            let tokens = SessionTokenProvider { pool in
                try await Auth_V1_AuthServiceClient(pool)
                    .login(.init(login: "svc-admin", password: "correct horse battery"), options: CallOptions(token: "")).token
            }
            var configuration = configuration(port: server.port, connections: 2)
            configuration.tokenProvider = tokens
            try await withDealerClientPool(configuration: configuration) { pool in
                let auth = Auth_V1_AuthServiceClient(pool)
                _ = try await auth.signUp(
                    .init(accountName: "Svc", login: "svc-admin", password: "correct horse battery"), options: CallOptions(token: ""))
                #expect(try await auth.whoAmI().session?.login == "svc-admin")
                #expect(await tokens.logins == 1)
                _ = try await auth.logout()  // revokes the provider's session
                #expect(try await auth.whoAmI().session?.login == "svc-admin")
                #expect(await tokens.logins == 2)
            }
        }
    }

    @Test("an opt-in retry policy re-sends an idempotent call that failed UNAVAILABLE; a write is not re-sent")
    func retryPolicy() async throws {
        let gates = Gates()
        let counter = CallCounter()
        let methods = TestMethods.table(gates: gates, counter: counter)
        try await withTestServer(methods: methods, configure: { $0.shutdownGracePeriod = .milliseconds(50) }) { first in
            try await withTestServer(methods: methods) { second in
                var configuration = configuration(port: first.port, connections: 1)
                configuration.retryPolicy = RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(10))
                try await withDealerClientPool(configuration: configuration) { pool in
                    async let idempotent = outcome {
                        try await pool.call(TestMethods.count, .init(service: "read@stuck"), idempotent: true)
                    }
                    async let write = outcome {
                        try await pool.call(TestMethods.count, .init(service: "write@stuck"), idempotent: false)
                    }
                    await gates.arrived("stuck", count: 2)
                    pool.updateAddresses([DealerAddress(host: "127.0.0.1", port: second.port)])
                    await first.stop()  // the grace passes: both calls lose their connection
                    gates.open("stuck")
                    let read = await idempotent
                    #expect((try? read.get())?.status == .serving)
                    let failure = await write
                    if case .failure(let error as RPCError) = failure { #expect(error.code == .unavailable) } else {
                        Issue.record("the write was re-sent or succeeded: \(failure)")
                    }
                }
            }
        }
        // The read ran once on each server; the write once.
        #expect(counter.count("read") == 2)
        #expect(counter.count("write") == 1)
    }

    @Test("in a ServiceGroup, graceful shutdown refuses new calls, lets the outstanding one finish, then run() returns")
    func gracefulShutdownInServiceGroup() async throws {
        let gates = Gates()
        try await withTestServer(methods: TestMethods.table(gates: gates)) { server in
            let pool = DealerClientPool(configuration: configuration(port: server.port, connections: 1))
            let group = ServiceGroup(services: [pool], logger: Logger(label: "pool-test"))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                async let outstanding = outcome { try await pool.call(TestMethods.wait, .init(service: "slow")) }
                await gates.arrived("slow")
                await group.triggerGracefulShutdown()
                // The drain marks the connection unusable; no event to await, so poll (bounded).
                var polls = 0
                while !pool.usableConnections.isEmpty && polls < 2000 {
                    try await Task.sleep(for: .milliseconds(5))
                    polls += 1
                }
                let refused = await #expect(throws: RPCError.self) { try await pool.call(TestMethods.echo, .init()) }
                #expect(refused?.code == .unavailable)
                gates.open("slow")
                #expect((try? await outstanding.get())?.status == .serving)
                try await tasks.waitForAll()
            }
        }
    }
}
