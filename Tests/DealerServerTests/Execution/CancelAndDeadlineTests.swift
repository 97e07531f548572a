import DealerClient
import DealerProtocol
import Testing

@testable import DealerServer
import DealerTestSupport

@Suite("Cancel and deadlines end work", .timeLimit(.minutes(2)))
struct CancelAndDeadlineTests {
    @Test("a Request+Cancel flood keeps the queues bounded and commits none of the cancelled writes")
    func cancelFloodCommitsNothing() async throws {
        let gates = Gates()
        try await withServicesTestServer(
            services: { $0.maxConcurrentHashes = 1 }, configure: { $0.blockingThreads = 1; $0.writeThreads = 1 }, gates: gates
        ) { server in
            let account = try await server.signUpAdmin()
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            // Hold the only worker of each lane: every write below waits in a queue
            // (CreateUser in the hashing lane, SetUserRights in the write lane).
            try await raw.send([
                .wait(1, on: "hold"), .wait(2, on: "hold", TestMethods.hashingWait), .wait(5, on: "hold", TestMethods.writeWait),
            ])
            await gates.arrived("hold", count: 3)
            let flood = 200
            for index in 0..<flood {
                let createUser = UInt64(1000 + 2 * index)
                let setRights = createUser + 1
                try await raw.send([
                    .call(
                        createUser, Auth_V1_AuthService.createUser,
                        .init(login: "flood-\(index)", password: "correct horse battery", rights: [.admin]),
                        token: account.token),
                    .cancel(createUser),
                    .call(
                        setRights, Auth_V1_AuthService.setUserRights,
                        .init(userID: account.adminUserID, rights: [.admin, .dealer]), token: account.token),
                    .cancel(setRights),
                ])
            }
            let cancelled = await frames.responses(2 * flood)
            #expect(cancelled.count == 2 * flood)
            #expect(cancelled.allSatisfy { $0.status?.code == .cancelled })

            let statistics = server.server.executionStatistics
            #expect(statistics.writing.peakWaiting <= 1)
            #expect(statistics.hashing.peakWaiting <= 1)
            #expect(statistics.writing.droppedBeforeStart == flood)
            #expect(statistics.hashing.droppedBeforeStart == flood)

            // One worker per lane runs in order: once these answer, everything queued before them has ended.
            gates.open("hold")
            try await raw.send([
                .call(3, TestMethods.echo, .init()), .wait(4, on: "hold", TestMethods.hashingWait),
                .wait(6, on: "hold", TestMethods.writeWait),
            ])
            let drained = await frames.responses(6)
            #expect(Set(drained.map(\.callID)) == [1, 2, 3, 4, 5, 6])

            let users = try server.store.listUsers(accountID: account.accountID, cursor: nil, limit: 500)
            #expect(users.items.map(\.login) == ["admin"])
            #expect(users.items.first?.isDealer == false)
            await raw.close()
        }
    }

    @Test("a call whose deadline passes while it waits for a worker never runs")
    func expiredInLaneQueueNeverRuns() async throws {
        let gates = Gates()
        gates.open("late")
        try await withTestServer(methods: TestMethods.table(gates: gates), configure: { $0.blockingThreads = 1 }) { server in
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            try await raw.send(.wait(1, on: "hold"))
            await gates.arrived("hold")
            try await raw.send(.wait(2, on: "late", timeoutMs: 100))
            let expired = await frames.nextResponse()
            #expect(expired?.callID == 2)
            #expect(expired?.status?.code == .deadlineExceeded)

            gates.open("hold")
            try await raw.send(.call(3, TestMethods.echo, .init()))
            #expect(await frames.responses(2).map(\.callID).sorted() == [1, 3])
            #expect(gates.arrivals("late") == 0)
            #expect(server.server.executionStatistics.storage.droppedBeforeStart == 1)
            await raw.close()
        }
    }

    @Test("a call whose deadline passes while it waits for an in-flight slot is answered then, and never runs")
    func expiredWaitingForSlotNeverRuns() async throws {
        let gates = Gates()
        gates.open("late")
        try await withTestServer(methods: TestMethods.table(gates: gates), configure: { $0.maxInFlightCalls = 1 }) { server in
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            // Read together: the first takes the only slot, the second waits for it.
            try await raw.send([.wait(1, on: "hold"), .wait(2, on: "late", timeoutMs: 100)])
            let expired = await frames.nextResponse()
            #expect(expired?.callID == 2)
            #expect(expired?.status?.code == .deadlineExceeded)
            #expect(gates.arrivals("hold") == 1)

            gates.open("hold")
            #expect(await frames.nextResponse()?.callID == 1)
            try await raw.send(.call(3, TestMethods.echo, .init()))
            #expect(await frames.nextResponse()?.callID == 3)
            #expect(gates.arrivals("late") == 0)
            await raw.close()
        }
    }

    @Test(
        "a running call answered early keeps its in-flight slot until its handler returns",
        arguments: [EarlyAnswer.cancel, EarlyAnswer.deadline])
    func answeredRunningCallKeepsSlot(early: EarlyAnswer) async throws {
        let gates = Gates()
        try await withTestServer(methods: TestMethods.table(gates: gates), configure: { $0.maxInFlightCalls = 2 }) { server in
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            switch early {
            case .cancel:
                try await raw.send(.wait(1, on: "held"))
                await gates.arrived("held")
                try await raw.send(.cancel(1))
            case .deadline:
                // Long enough for the worker to start it first, even on a loaded machine.
                try await raw.send(.wait(1, on: "held", timeoutMs: 5000))
                await gates.arrived("held")
            }
            let early1 = await frames.nextResponse()
            #expect(early1?.callID == 1)
            #expect(early1?.status?.code == early.code)

            // Read together: call 2 takes the second slot (call 1 still runs in the
            // first), so the Health/Check must wait for a slot while the Ping is answered.
            try await raw.send([.wait(2, on: "second"), .call(3, Health_V1_Health.check, .init()), .ping(7)])
            guard case .pong = await frames.next()?.kind else {
                Issue.record("call 3 was answered although both in-flight slots are taken")
                return
            }
            await gates.arrived("second")
            gates.open("second")
            #expect(await frames.responses(2).map(\.callID) == [2, 3])
            gates.open("held")
            try await raw.send(.call(4, TestMethods.echo, .init()))
            // Call 1 was answered once only: the next Response is call 4's.
            #expect(await frames.nextResponse()?.callID == 4)
            await raw.close()
        }
    }
}

/// How a running call gets answered before its handler returns.
enum EarlyAnswer: String, CustomTestStringConvertible, Sendable {
    case cancel
    case deadline

    var code: StatusCode { self == .cancel ? .cancelled : .deadlineExceeded }
    var testDescription: String { rawValue }
}
