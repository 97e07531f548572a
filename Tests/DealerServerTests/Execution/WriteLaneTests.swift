import DealerClient
import DealerProtocol
import Synchronization
import Testing

@testable import DealerServer
@testable import DealerStore
import DealerTestSupport

@Suite("Write lane and group commit", .timeLimit(.minutes(5)))
struct WriteLaneTests {
    typealias Auth = Auth_V1_AuthService

    @Test("concurrent writes share one group commit larger than the storage lane's thread count")
    func groupsOutgrowStorageLane() async throws {
        let writers = 32
        try await withServicesTestServer(
            configure: {
                $0.blockingThreads = 2
                $0.writeThreads = writers
            },
            // A failure bound only: the test releases the lock as soon as every write waits.
            store: { $0.busyTimeoutMilliseconds = 600_000 }
        ) { server in
            let account = try await server.signUpAdmin()
            let net = try await server.connect()
            let created = try await net.call(
                Auth.createUser, .init(login: "target", password: "correct horse battery", rights: []), token: account.token)
            let target = try #require(created.user?.id)
            let groups = Mutex<[Int]>([])
            server.store.observeCommits { writes, _ in groups.withLock { $0.append(writes) } }

            // Another connection holds the write lock, as another process would: the
            // first group's BEGIN IMMEDIATE waits, and every other write queues behind it.
            let lockHolder = try SQLiteConnection(path: try #require(server.databaseDirectory) + "/dealer.sqlite")
            try lockHolder.execute("BEGIN IMMEDIATE")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<writers {
                    group.addTask {
                        _ = try await net.call(
                            Auth.setUserRights, .init(userID: target, rights: index % 2 == 0 ? [.admin] : []),
                            token: account.token)
                    }
                }
                // No event says "this write reached the committer": poll, bounded.
                var polls = 0
                func inWriteLane() -> Int {
                    let lane = server.server.executionStatistics.writing
                    return lane.running + lane.waiting
                }
                while inWriteLane() < writers, polls < 20_000 {
                    polls += 1
                    try? await Task.sleep(for: .milliseconds(5))
                }
                let pending = inWriteLane()
                let lanes = server.server.executionStatistics
                try lockHolder.execute("ROLLBACK")
                try #require(pending == writers, "only \(pending) of \(writers) writes reached the write lane")
                // The writes wait in the write lane (its one thread runs a batch), none on a storage worker.
                #expect(lanes.writing.running >= 1)
                #expect(lanes.storage.running == 0)
                try await group.waitForAll()
            }
            let committed = groups.withLock { $0 }
            #expect(committed.reduce(0, +) == writers)
            // The first leader took what had queued when it began (at least one write); the
            // rest form the next group: one of the two holds at least half.
            #expect(committed.count <= 2)
            #expect((committed.max() ?? 0) >= writers / 2)
            await net.close()
        }
    }

    @Test("concurrent writers' sessions stay cached while their writes commit: no storage read per write")
    func writersSessionsStayCached() async throws {
        try await withServicesTestServer { server in
            let cache = try #require(server.environment).sessionCache
            let writers = 8
            let rounds = 20
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        let net = try await server.connect()
                        do {
                            let account = try await net.signUpAndLogin(name: "W\(writer)", login: "writer-\(writer)")
                            let created = try await net.call(
                                Auth.createUser, .init(login: "target-\(writer)", password: "correct horse battery", rights: []),
                                token: account.token)
                            let target = try #require(created.user?.id)
                            for round in 0..<rounds {
                                _ = try await net.call(
                                    Auth.setUserRights, .init(userID: target, rights: round % 2 == 0 ? [.admin] : []),
                                    token: account.token)
                            }
                        } catch {
                            await net.close()
                            throw error
                        }
                        await net.close()
                    }
                }
                try await group.waitForAll()
            }
            let statistics = cache.statistics
            // Each session is read from storage a few times (after login, after CreateUser rewrote
            // its account row), not once per write: neither its own rights changes nor the other
            // writers' commits keep it out of the cache.
            #expect(statistics.hits + statistics.misses == writers * (rounds + 1))
            #expect(statistics.misses <= writers * 4, "\(statistics)")
        }
    }

    @Test("a write queued in the write lane past its deadline, or cancelled, never runs")
    func queuedWriteEndedEarlyNeverRuns() async throws {
        let gates = Gates()
        try await withServicesTestServer(configure: { $0.writeThreads = 1 }, gates: gates) { server in
            let account = try await server.signUpAdmin()
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            // The only write worker is held: the writes below wait in the write lane.
            try await raw.send(.wait(1, on: "hold", TestMethods.writeWait))
            await gates.arrived("hold")
            let makeDealer = Auth_V1_SetUserRightsRequest(userID: account.adminUserID, rights: [.admin, .dealer])
            try await raw.send(.call(2, Auth.setUserRights, makeDealer, token: account.token, timeoutMs: 100))
            let expired = await frames.nextResponse()
            #expect(expired?.callID == 2)
            #expect(expired?.status?.code == .deadlineExceeded)
            try await raw.send([.call(3, Auth.setUserRights, makeDealer, token: account.token), .cancel(3)])
            let cancelled = await frames.nextResponse()
            #expect(cancelled?.callID == 3)
            #expect(cancelled?.status?.code == .cancelled)

            // One worker runs in order: once call 4 is answered, everything queued before it has ended.
            gates.open("hold")
            try await raw.send(.wait(4, on: "hold", TestMethods.writeWait))
            #expect(Set(await frames.responses(2).map(\.callID)) == [1, 4])
            #expect(server.server.executionStatistics.writing.droppedBeforeStart == 2)
            let users = try server.store.listUsers(accountID: account.accountID, cursor: nil, limit: 10)
            #expect(users.items.first?.isDealer == false)
            await raw.close()
        }
    }
}
