import DealerClient
import DealerProtocol
@testable import DealerServices
@testable import DealerStore
import DealerTestSupport
import Foundation
import Testing

/// Another process holding the database's write lock past the busy timeout (issue 11,
/// "Faults"): writes are refused UNAVAILABLE `STORAGE_UNAVAILABLE`, reads go on (WAL),
/// Health/Check says NOT_SERVING `STORAGE_UNAVAILABLE` while it lasts, and the store serves
/// writes (and Health SERVING) again once the lock is released, without a restart.
@Suite("Locked database")
struct LockedDatabaseTests {
    typealias Auth = Auth_V1_AuthService

    /// A second connection, as another process would hold it: `BEGIN IMMEDIATE` takes the
    /// write lock until ROLLBACK.
    private static func holdWriteLock(_ path: String) throws -> SQLiteConnection {
        let other = try SQLiteConnection(path: path)
        try other.execute("BEGIN IMMEDIATE")
        return other
    }

    @Test("a write lock held past the busy timeout: the write fails storageBusy (UNAVAILABLE) and succeeds once released")
    func storeLevel() throws {
        do {
            let database = try ReliabilityDatabase()
            let store = try DealerStore(
                configuration: .init(path: database.path, busyTimeoutMilliseconds: 50), logger: PowerLossShim.logger)
            _ = try store.signUp(accountName: "Before", login: "before", passwordHash: "hash", now: 1, audit: Self.audit)
            let other = try Self.holdWriteLock(database.path)
            let before = try FaultInjectionTests.contents(of: store)
            let error = #expect(throws: StoreError.self) {
                _ = try store.signUp(accountName: "Locked", login: "locked", passwordHash: "hash", now: 2, audit: Self.audit)
            }
            guard case .storageBusy = error else { Issue.record("expected storageBusy, got \(String(describing: error))"); return }
            let answer = try #require(RPCError.answering(error!))
            #expect(answer.code == .unavailable && answer.reason == .storageUnavailable, "\(answer)")
            #expect(try FaultInjectionTests.contents(of: store) == before)
            #expect(try store.credentials(forLogin: "before") != nil, "reads go on while another process writes")
            try other.execute("ROLLBACK")
            _ = try store.signUp(accountName: "Locked", login: "locked", passwordHash: "hash", now: 3, audit: Self.audit)
            #expect(try store.credentials(forLogin: "locked") != nil)
            #expect(try store.invariantViolations() == [])
        }
    }

    @Test("over the protocol: SignUp against a locked database is UNAVAILABLE STORAGE_UNAVAILABLE and Health NOT_SERVING; once released both recover")
    func overTheProtocol() async throws {
        try await withServicesTestServer { server in
            let path = try #require(server.databaseDirectory) + "/dealer.sqlite"
            let net = try await server.connect()
            _ = try await net.signUpAndLogin(name: "Acme", login: "admin")
            let other = try Self.holdWriteLock(path)
            // The store waits its busy timeout (5 s by default) for the lock, then refuses.
            do {
                _ = try await net.call(Auth.signUp, .init(accountName: "B", login: "bob", password: "long enough password"))
                Issue.record("SignUp succeeded against a locked database")
            } catch let error as RPCError {
                #expect(error.code == .unavailable && error.reason == .storageUnavailable, "\(error)")
            }
            // While the lock lasts, Health says so.
            let locked = try await net.call(Health_V1_Health.check, .init())
            #expect(locked.status == .notServing && locked.reason == "STORAGE_UNAVAILABLE", "\(locked)")
            try other.execute("ROLLBACK")
            _ = try await net.call(Auth.signUp, .init(accountName: "B", login: "bob", password: "long enough password"))
            // The write's commit marks the store healthy again, no restart.
            #expect(try await net.call(Health_V1_Health.check, .init()).status == .serving)
            await net.close()
        }
    }

    private static let audit = AuditContext(actorUserID: nil, actorAccountID: nil, actingForAccountID: nil, method: "SignUp")
}
