@testable import DealerStore
import Testing

@Suite("User rights: admin, dealer and deletion")
struct UserRightsTests {
    let t0 = TestDatabase.t0

    private func rights(_ db: TestDatabase, _ owner: NewAccount, _ userID: Int64, admin: Bool, dealer: Bool) throws -> Int {
        try db.store.setUserRights(accountID: owner.account.id, userID: userID, isAdmin: admin, isDealer: dealer, now: t0,
                                   audit: TestDatabase.audit("SetUserRights", owner.admin))
    }

    private func addUser(_ db: TestDatabase, _ owner: NewAccount, _ login: String, admin: Bool = false, dealer: Bool = false) throws -> UserRecord {
        try db.store.createUser(accountID: owner.account.id, login: login, passwordHash: "h", isAdmin: admin, isDealer: dealer,
                                now: t0, audit: TestDatabase.audit("CreateUser", owner.admin))
    }

    @Test func anotherAccountsUserIsNotFound() throws {
        let db = try TestDatabase()
        let acme = try db.account("acme")
        let other = try db.account("other")
        expectStoreError(.userNotFound) { try rights(db, acme, other.admin.id, admin: false, dealer: false) }
        expectStoreError(.userNotFound) { try rights(db, acme, 9_999, admin: false, dealer: false) }
        expectStoreError(.userNotFound) {
            try db.store.deleteUser(accountID: acme.account.id, userID: other.admin.id, now: t0, audit: TestDatabase.audit("DeleteUser", acme.admin))
        }
        #expect(try db.store.credentials(forLogin: "other-admin")?.user.isAdmin == true)
    }

    @Test func accountIsADealerWhileAnActiveUserHoldsTheRight() throws {
        let db = try TestDatabase()
        let acme = try db.dealer("acme")
        let second = try addUser(db, acme, "second", dealer: true)
        func isDealer() throws -> Bool { try #require(try db.store.credentials(forLogin: "acme-admin")).account.isDealer }
        #expect(try isDealer())
        _ = try rights(db, acme, acme.admin.id, admin: true, dealer: false)
        #expect(try isDealer())
        _ = try db.store.deleteUser(accountID: acme.account.id, userID: second.id, now: t0, audit: TestDatabase.audit("DeleteUser", acme.admin))
        #expect(try !isDealer())
        try db.expectNoViolations()
    }

    @Test func grantingDealerInAServedAccountIsRefused() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let client = try db.servedClient("client", by: dealer)
        expectStoreError(.accountServedByDealer) { try rights(db, client, client.admin.id, admin: true, dealer: true) }
        expectStoreError(.accountServedByDealer) { try addUser(db, client, "wannabe", dealer: true) }
        _ = try addUser(db, client, "plain")
        try db.expectNoViolations()
    }

    @Test func lastDealerRightCannotGoWhileServingClients() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        _ = try db.servedClient("client", by: dealer)
        expectStoreError(.dealerServesClients) { try rights(db, dealer, dealer.admin.id, admin: true, dealer: false) }
        let second = try addUser(db, dealer, "second", admin: true, dealer: true)
        _ = try rights(db, dealer, dealer.admin.id, admin: true, dealer: false)
        expectStoreError(.dealerServesClients) {
            try db.store.deleteUser(accountID: dealer.account.id, userID: second.id, now: t0, audit: TestDatabase.audit("DeleteUser", dealer.admin))
        }
        try db.expectNoViolations()
    }

    @Test func lastActiveAdminCannotBeRemoved() throws {
        let db = try TestDatabase()
        let acme = try db.account("acme")
        expectStoreError(.lastAdmin) { try rights(db, acme, acme.admin.id, admin: false, dealer: false) }
        expectStoreError(.lastAdmin) {
            try db.store.deleteUser(accountID: acme.account.id, userID: acme.admin.id, now: t0, audit: TestDatabase.audit("DeleteUser", acme.admin))
        }
        let second = try addUser(db, acme, "second", admin: true)
        _ = try rights(db, acme, acme.admin.id, admin: false, dealer: false)
        expectStoreError(.lastAdmin) {
            try db.store.deleteUser(accountID: acme.account.id, userID: second.id, now: t0, audit: TestDatabase.audit("DeleteUser", acme.admin))
        }
    }

    @Test func stoppingBeingADealerClosesPendingIncomingRequests() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let client = try db.account("client")
        let request = try db.submit(client, to: dealer)
        _ = try rights(db, dealer, dealer.admin.id, admin: true, dealer: false)
        let after = try #require(try db.store.listMyRequests(clientAccountID: client.account.id, status: nil, cursor: nil, limit: 10, now: t0).items.first)
        #expect(after.id == request.id && after.status == .closed)
        try db.expectNoViolations()
    }

    @Test func rightsChangeRevokesAllTheUsersSessionsLoginToClientIncluded() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        _ = try addUser(db, dealer, "second", admin: true, dealer: true)
        let client = try db.servedClient("client", by: dealer)
        let parent = try db.login(dealer.admin, token: 1)
        _ = try db.login(dealer.admin, token: 2)
        _ = try db.impersonate(client, by: dealer, token: 3, parent: parent)
        #expect(try rights(db, dealer, dealer.admin.id, admin: true, dealer: true) == 3)
        #expect(try db.isRevoked(1) && db.isRevoked(2) && db.isRevoked(3))
        _ = try db.impersonate(client, by: dealer, token: 4, parent: db.login(dealer.admin, token: 7))
        #expect(try rights(db, dealer, dealer.admin.id, admin: true, dealer: false) == 2)
        #expect(try db.isRevoked(4) && db.isRevoked(7))
        // The next login takes the new rights.
        #expect(try db.login(dealer.admin, token: 5).isDealer == false)
        try db.expectNoViolations()
    }

    @Test func deleteUserDisablesAndRevokesEverything() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let clerk = try addUser(db, dealer, "clerk", dealer: true)
        let client = try db.servedClient("client", by: dealer)
        let parent = try db.login(clerk, token: 1)
        _ = try db.store.createImpersonationSession(
            dealerUserID: clerk.id, dealerAccountID: dealer.account.id, clientAccountID: client.account.id,
            parentSessionID: parent.id, tokenHash: TestDatabase.token(2), now: t0, expiresAt: t0 + 1_000, audit: TestDatabase.audit("LoginToClient", clerk))
        let revoked = try db.store.deleteUser(accountID: dealer.account.id, userID: clerk.id, now: t0 + 1,
                                              audit: TestDatabase.audit("DeleteUser", dealer.admin))
        #expect(revoked == 2)
        #expect(try db.store.credentials(forLogin: "clerk")?.user.disabledAt == t0 + 1)
        #expect(try db.store.listUsers(accountID: dealer.account.id, cursor: nil, limit: 10).items.last?.isDisabled == true)
        expectStoreError(.userNotFound) { try rights(db, dealer, clerk.id, admin: false, dealer: true) }
        try db.expectNoViolations()
    }
}
