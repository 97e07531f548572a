@testable import DealerStore
import Dispatch
import Foundation
import Synchronization
import Testing

@Suite("Group commit of concurrent writes")
struct GroupCommitterTests {
    struct Boom: Error {}

    @Test("concurrent writes all commit, each sees the ones before it, and they survive a reopen")
    func concurrentWritesAreDurableAndSerial() throws {
        let database = try TestDatabase()
        let store = database.store
        let outcomes = Mutex<(ok: [String], taken: Int, other: [String])>(([], 0, []))
        // 48 distinct logins and 16 attempts at the same one, all at once.
        DispatchQueue.concurrentPerform(iterations: 64) { index in
            let login = index < 48 ? "user-\(index)" : "same-login"
            do {
                _ = try store.signUp(
                    accountName: "A\(index)", login: login, passwordHash: "h", now: TestDatabase.t0,
                    audit: TestDatabase.audit("SignUp"))
                outcomes.withLock { $0.ok.append(login) }
            } catch StoreError.loginTaken {
                outcomes.withLock { $0.taken += 1 }
            } catch {
                outcomes.withLock { $0.other.append("\(error)") }
            }
        }
        let result = outcomes.withLock { $0 }
        #expect(result.other.isEmpty)
        #expect(result.ok.count == 49)
        #expect(result.taken == 15)
        #expect(result.ok.filter { $0 == "same-login" }.count == 1)

        let reopened = try DealerStore(configuration: .init(path: database.path), logger: TestDatabase.logger)
        for login in result.ok {
            #expect(try reopened.credentials(forLogin: login) != nil, "\(login) was acknowledged but is missing")
        }
        #expect(try reopened.integrityCheck())
        #expect(try reopened.invariantViolations().isEmpty)
    }

    @Test("the commit observer sees every committed write once, in groups of 1...64")
    func commitObserverCountsCommittedWrites() throws {
        let database = try TestDatabase()
        let store = database.store
        let observed = Mutex<(writes: Int, groups: Int, largest: Int)>((0, 0, 0))
        store.observeCommits { writes, _ in
            observed.withLock { $0 = ($0.writes + writes, $0.groups + 1, max($0.largest, writes)) }
        }
        DispatchQueue.concurrentPerform(iterations: 40) { index in
            _ = try? store.write { db in try db.insertAccount(name: "observed-\(index)", servedBy: nil, now: TestDatabase.t0) }
        }
        let result = observed.withLock { $0 }
        #expect(result.writes == 40)
        #expect(result.groups >= 1 && result.groups <= 40)
        #expect(result.largest >= 1 && result.largest <= 64)
    }

    /// A closure kept directly in a `Mutex` was re-wrapped in one more thunk
    /// on every read, so each call walked a chain as long as the commits
    /// before it (dealerd got slower with uptime, and its stack would have
    /// overflowed). Depth of the stack at the observers must not grow.
    @Test("the commit and identity observers are called at the same stack depth on every commit")
    func observersDoNotGrowAThunkChain() throws {
        let database = try TestDatabase()
        let store = database.store
        let depths = Mutex<(commit: [Int], identity: [Int])>(([], []))
        store.observeCommits { _, _ in
            let depth = Thread.callStackReturnAddresses.count
            depths.withLock { $0.commit.append(depth) }
        }
        store.observeIdentityChanges { _ in
            let depth = Thread.callStackReturnAddresses.count
            depths.withLock { $0.identity.append(depth) }
        }
        let account = try store.write { db in try db.insertAccount(name: "depth", servedBy: nil, now: TestDatabase.t0) }
        for round in 0..<200 {
            // Renaming the account changes an identity row: both observers run.
            try store.write { db in
                _ = try db.run("UPDATE accounts SET name = ? WHERE id = ?", ["depth-\(round)", account])
            }
        }
        let result = depths.withLock { $0 }
        #expect(result.commit.count == 201)
        #expect(result.identity.count >= 200)
        #expect(Set(result.commit).count == 1, "commit observer depths: \(result.commit.prefix(3))…\(result.commit.suffix(3))")
        #expect(Set(result.identity).count == 1, "identity observer depths: \(result.identity.prefix(3))…\(result.identity.suffix(3))")
    }

    @Test("a write that fails is rolled back alone; the others in its group commit")
    func failedWriteRollsBackAlone() throws {
        let database = try TestDatabase()
        let store = database.store
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 40) { index in
            do {
                _ = try store.write { db in
                    let id = try db.insertAccount(name: "group-\(index)", servedBy: nil, now: TestDatabase.t0)
                    if index % 4 == 0 { throw Boom() }
                    return id
                }
            } catch is Boom {
                failures.add(1, ordering: .relaxed)
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        #expect(failures.load(ordering: .relaxed) == 10)
        let names = try store.read { db in try db.query("SELECT name FROM accounts ORDER BY id") { $0.text(0) } }
        #expect(names.count == 30)
        #expect(!names.contains { Int($0.dropFirst(6))! % 4 == 0 })
    }
}
