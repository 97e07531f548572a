@testable import DealerStore
import Synchronization
import Testing

/// `DealerStore.observeIdentityChanges`: what session caches are told after each commit.
@Suite("Store: committed changes to sessions, users and accounts are reported")
struct IdentityChangesTests {
    /// Everything reported to an observer, in order.
    private final class Recorder: Sendable {
        let changes = Mutex<[IdentityRowChanges]>([])
        var all: IdentityRowChanges {
            changes.withLock { list in
                IdentityRowChanges(
                    sessionIDs: list.flatMap(\.sessionIDs), userIDs: list.flatMap(\.userIDs),
                    accountIDs: list.flatMap(\.accountIDs))
            }
        }
        func reset() { changes.withLock { $0.removeAll() } }
    }

    private func observed(_ db: TestDatabase) -> Recorder {
        let recorder = Recorder()
        db.store.observeIdentityChanges { change in recorder.changes.withLock { $0.append(change) } }
        return recorder
    }

    @Test("the trigger that ends LoginToClient sessions with their parent is seen, before the write returns")
    func triggerMadeChanges() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("D")
        let client = try db.servedClient("C", by: dealer)
        let parent = try db.login(dealer.admin, token: 1)
        let child = try db.impersonate(client, by: dealer, token: 2, parent: parent)
        let recorder = observed(db)
        try db.store.revokeSession(id: parent.id, now: TestDatabase.t0, audit: TestDatabase.audit("Logout", dealer.admin))
        #expect(Set(recorder.all.sessionIDs) == [parent.id, child.id])
    }

    @Test("user and account changes name their rows; inserts and unrelated writes report nothing")
    func usersAndAccounts() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("D")
        let client = try db.servedClient("C", by: dealer)
        let recorder = observed(db)
        _ = try db.login(client.admin, token: 3)  // an insert: nothing can depend on it yet
        #expect(recorder.all.isEmpty)
        _ = try db.store.deleteClient(
            dealerAccountID: dealer.account.id, clientAccountID: client.account.id, now: TestDatabase.t0,
            audit: TestDatabase.audit("DeleteClient", dealer.admin))
        #expect(recorder.all.accountIDs.contains(client.account.id))
        #expect(!recorder.all.sessionIDs.isEmpty)
        recorder.reset()
        let other = try db.account("O")
        _ = try db.store.setUserRights(
            accountID: other.account.id, userID: other.admin.id, isAdmin: true, isDealer: true, now: TestDatabase.t0,
            audit: TestDatabase.audit("SetUserRights", other.admin))
        #expect(recorder.all.userIDs.contains(other.admin.id))
    }
}
