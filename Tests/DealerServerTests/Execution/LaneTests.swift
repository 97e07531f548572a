import DealerClient
import DealerProtocol
import DealerServices
import Testing

@testable import DealerServer
import DealerTestSupport

@Suite("Storage, hashing and write lanes", .timeLimit(.minutes(2)))
struct LaneTests {
    @Test("a storage read sent after a flood of logins is answered before any of them")
    func storageReadOvertakesLogins() async throws {
        let gates = Gates()
        try await withServicesTestServer(
            services: { $0.maxConcurrentHashes = 2 }, configure: { $0.maxHashingQueuePerConnection = 32 }, gates: gates
        ) { server in
            let account = try await server.signUpAdmin()
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            // Both hashing workers busy: the logins below queue in the hashing lane.
            try await raw.send([.wait(1, on: "hashing", TestMethods.hashingWait), .wait(2, on: "hashing", TestMethods.hashingWait)])
            await gates.arrived("hashing", count: 2)
            let logins = (UInt64(10)..<UInt64(30)).map {
                Rpc_V1_Frame.call($0, Auth_V1_AuthService.login, .init(login: account.login, password: account.password))
            }
            try await raw.send(logins + [.call(100, Auth_V1_AuthService.whoAmI, .init(), token: account.token)])

            let whoAmI = await frames.nextResponse()
            #expect(whoAmI?.callID == 100)
            #expect(whoAmI?.error == nil)
            #expect(try Auth_V1_WhoAmIResponse(serializedBytes: whoAmI?.payload ?? []).session?.login == account.login)

            gates.open("hashing")
            let rest = await frames.responses(22)
            #expect(Set(rest.map(\.callID)) == Set([1, 2] + (10..<30)))
            #expect(rest.allSatisfy { $0.error == nil })
            await raw.close()
        }
    }

    @Test(
        "a full lane answers RESOURCE_EXHAUSTED BUSY at once; the other lane keeps serving",
        arguments: [Lane.storage, Lane.hashing, Lane.write])
    func fullLaneAnswersBusy(lane: Lane) async throws {
        let gates = Gates()
        var methods = TestMethods.table(gates: gates)
        methods.hashingLaneThreads = 1
        try await withTestServer(methods: methods, configure: {
            $0.blockingThreads = 1
            $0.writeThreads = 1
            $0.maxStorageQueue = 2
            $0.maxHashingQueue = 2
            $0.maxWriteQueue = 2
        }) { server in
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            try await raw.send(.wait(1, on: "held", lane.method))
            await gates.arrived("held")
            // One running, two waiting: the lane is full.
            try await raw.send([.wait(2, on: "held", lane.method), .wait(3, on: "held", lane.method), .wait(4, on: "held", lane.method)])
            let refused = await frames.nextResponse()
            #expect(refused?.callID == 4)
            #expect(refused?.status?.code == .resourceExhausted)
            #expect(refused?.status?.reason == RPCError.Reason.busy.rawValue)
            let statistics = lane.statistics(of: server.server.executionStatistics)
            #expect(statistics.rejected == 1)
            #expect(statistics.waiting == 2)

            // The other lane is not affected.
            try await raw.send(.wait(5, on: "open", lane.other.method))
            gates.open("open")
            #expect(await frames.nextResponse()?.callID == 5)

            gates.open("held")
            let rest = await frames.responses(3)
            #expect(Set(rest.map(\.callID)) == [1, 2, 3])
            #expect(rest.allSatisfy { $0.error == nil })
            await raw.close()
        }
    }

    @Test("one connection's lane share is bounded; another connection still gets in", arguments: [Lane.hashing, Lane.write])
    func perConnectionLimit(lane: Lane) async throws {
        let gates = Gates()
        try await withTestServer(
            methods: TestMethods.table(gates: gates),
            configure: {
                $0.maxHashingQueuePerConnection = 2
                $0.maxWriteQueuePerConnection = 2
            }
        ) { server in
            let greedy = try await server.raw()
            var greedyFrames = try await greedy.handshake()
            try await greedy.send([.wait(1, on: "held", lane.method), .wait(2, on: "held", lane.method), .wait(3, on: "held", lane.method)])
            let refused = await greedyFrames.nextResponse()
            #expect(refused?.callID == 3)
            #expect(refused?.status?.code == .resourceExhausted)
            #expect(refused?.status?.reason == RPCError.Reason.busy.rawValue)
            #expect(lane.statistics(of: server.server.executionStatistics).rejected == 0)

            let other = try await server.raw()
            var otherFrames = try await other.handshake()
            try await other.send(.wait(1, on: "held", lane.method))
            gates.open("held")
            #expect(await otherFrames.nextResponse()?.error == nil)
            #expect(Set(await greedyFrames.responses(2).map(\.callID)) == [1, 2])
            await greedy.close()
            await other.close()
        }
    }
}

/// The three lanes, with the gated test method that runs on each.
enum Lane: String, CustomTestStringConvertible, Sendable {
    case storage
    case hashing
    case write

    var method: RPCMethod<Health_V1_CheckRequest, Health_V1_CheckResponse> {
        switch self {
        case .storage: TestMethods.wait
        case .hashing: TestMethods.hashingWait
        case .write: TestMethods.writeWait
        }
    }

    var other: Lane { self == .storage ? .hashing : .storage }

    func statistics(of execution: ExecutionStatistics) -> LaneStatistics {
        switch self {
        case .storage: execution.storage
        case .hashing: execution.hashing
        case .write: execution.writing
        }
    }

    var testDescription: String { rawValue }
}
