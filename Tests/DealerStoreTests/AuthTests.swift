@testable import DealerStore
import Testing

@Suite("Accounts, credentials and sessions")
struct AuthTests {
    let t0 = TestDatabase.t0

    @Test func signUpCreatesAnAccountWithAnAdminAndAuditsIt() throws {
        let db = try TestDatabase()
        let new = try db.account("acme")
        #expect(new.account.name == "acme" && !new.account.isDealer && new.account.servedByAccountID == nil)
        #expect(new.admin.isAdmin && !new.admin.isDealer && new.admin.accountID == new.account.id)
        let events = try db.store.listAuditEvents(accountID: new.account.id, cursor: nil, limit: 10).items
        #expect(events.map(\.method) == ["SignUp"])
        #expect(events.first?.actorUserID == new.admin.id && events.first?.actorAccountID == new.account.id)
    }

    @Test func loginsAreUniqueCaseInsensitively() throws {
        let db = try TestDatabase()
        let acme = try db.account("acme")
        expectStoreError(.loginTaken) {
            try db.store.signUp(accountName: "other", login: "ACME-Admin", passwordHash: "h", now: t0, audit: TestDatabase.audit("SignUp"))
        }
        expectStoreError(.loginTaken) {
            try db.store.createUser(accountID: acme.account.id, login: "acme-ADMIN", passwordHash: "h", isAdmin: false, isDealer: false,
                                    now: t0, audit: TestDatabase.audit("CreateUser", acme.admin))
        }
        let credentials = try #require(try db.store.credentials(forLogin: "ACME-ADMIN"))
        #expect(credentials.user.id == acme.admin.id && credentials.account.id == acme.account.id && credentials.passwordHash == "hash")
        #expect(try db.store.credentials(forLogin: "nobody") == nil)
        #expect(try db.store.listUsers(accountID: acme.account.id, cursor: nil, limit: 10).items.count == 1)
    }

    @Test func sessionCarriesThePrincipalAndItsLifecycle() throws {
        let db = try TestDatabase()
        let acme = try db.account("acme")
        let created = try db.login(acme.admin, token: 1)
        let session = try #require(try db.store.session(tokenHash: TestDatabase.token(1)))
        #expect(session == created)
        #expect(session.userID == acme.admin.id && session.login == "acme-admin")
        #expect(session.accountID == acme.account.id && session.accountName == "acme")
        #expect(session.isAdmin && !session.isDealer && !session.isImpersonation)
        #expect(session.createdAt == t0 && session.lastSeenAt == t0 && session.expiresAt == t0 + TestDatabase.day)
        #expect(session.isActive(now: t0) && !session.isActive(now: t0 + TestDatabase.day))
        #expect(try db.store.session(tokenHash: TestDatabase.token(2)) == nil)

        #expect(try db.store.touchSession(id: session.id, now: t0 + 5))
        #expect(try db.store.session(tokenHash: TestDatabase.token(1))?.lastSeenAt == t0 + 5)

        #expect(try db.store.revokeSession(id: session.id, now: t0 + 6, audit: TestDatabase.audit("Logout", acme.admin)))
        #expect(try db.store.revokeSession(id: session.id, now: t0 + 7, audit: TestDatabase.audit("Logout", acme.admin)) == false)
        let revoked = try #require(try db.store.session(tokenHash: TestDatabase.token(1)))
        #expect(revoked.revokedAt == t0 + 6 && !revoked.isActive(now: t0 + 6))
        #expect(try db.store.touchSession(id: session.id, now: t0 + 8) == false)
    }

    @Test func sessionsRefuseBadTokenHashesAndDuplicates() throws {
        let db = try TestDatabase()
        let acme = try db.account("acme")
        expectStoreError(.invalidTokenHash) {
            try db.store.createSession(userID: acme.admin.id, verifiedPasswordHash: "hash", tokenHash: [1, 2, 3], now: t0, expiresAt: t0 + 1, audit: TestDatabase.audit("Login"))
        }
        _ = try db.login(acme.admin, token: 1)
        #expect(throws: (any Error).self) { try db.login(acme.admin, token: 1) }
    }

    @Test func changePasswordRevokesTheOtherSessions() throws {
        let db = try TestDatabase()
        let acme = try db.account("acme")
        let kept = try db.login(acme.admin, token: 1)
        _ = try db.login(acme.admin, token: 2)
        _ = try db.login(acme.admin, token: 3)
        let revoked = try db.store.changePassword(
            userID: acme.admin.id, newPasswordHash: "new-hash", keepSessionID: kept.id, now: t0 + 1,
            audit: TestDatabase.audit("ChangePassword", acme.admin))
        #expect(revoked == 2)
        #expect(try !db.isRevoked(1) && db.isRevoked(2) && db.isRevoked(3))
        #expect(try db.store.credentials(forLogin: "acme-admin")?.passwordHash == "new-hash")
    }

    @Test func listUsersPaginatesWithinTheAccount() throws {
        let db = try TestDatabase()
        let acme = try db.account("acme")
        _ = try db.account("other")
        for index in 0..<4 {
            _ = try db.store.createUser(accountID: acme.account.id, login: "user\(index)", passwordHash: "h", isAdmin: false, isDealer: false,
                                        now: t0, audit: TestDatabase.audit("CreateUser", acme.admin))
        }
        var logins: [String] = []
        var cursor: Int64?
        var pages = 0
        repeat {
            let page = try db.store.listUsers(accountID: acme.account.id, cursor: cursor, limit: 2)
            logins += page.items.map(\.login)
            cursor = page.nextCursor
            pages += 1
        } while cursor != nil
        #expect(logins == ["acme-admin", "user0", "user1", "user2", "user3"])
        #expect(pages == 3)
    }

    @Test func createSessionRefusesDisabledUsersAndDeletedAccounts() throws {
        let db = try TestDatabase()
        let acme = try db.account("acme")
        let clerk = try db.store.createUser(accountID: acme.account.id, login: "clerk", passwordHash: "h", isAdmin: false, isDealer: false,
                                            now: t0, audit: TestDatabase.audit("CreateUser", acme.admin))
        _ = try db.store.deleteUser(accountID: acme.account.id, userID: clerk.id, now: t0, audit: TestDatabase.audit("DeleteUser", acme.admin))
        expectStoreError(.invalidCredentials) { try db.login(clerk, token: 1) }

        // The password changed after the caller verified the old one: no session from it.
        _ = try db.store.changePassword(
            userID: acme.admin.id, newPasswordHash: "new hash", keepSessionID: nil, now: t0, audit: TestDatabase.audit("ChangePassword", acme.admin))
        expectStoreError(.invalidCredentials) {
            try db.store.createSession(
                userID: acme.admin.id, verifiedPasswordHash: "hash", tokenHash: TestDatabase.token(3), now: t0, expiresAt: t0 + 1,
                audit: TestDatabase.audit("Login"))
        }
        #expect(try db.login(acme.admin, token: 4).userID == acme.admin.id)

        let dealer = try db.dealer("dealer")
        let client = try db.servedClient("client", by: dealer)
        _ = try db.store.deleteClient(dealerAccountID: dealer.account.id, clientAccountID: client.account.id, now: t0,
                                      audit: TestDatabase.audit("DeleteClient", dealer.admin))
        expectStoreError(.loginAccountDeleted) { try db.login(client.admin, token: 2) }
    }
}
