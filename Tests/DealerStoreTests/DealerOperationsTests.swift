@testable import DealerStore
import Testing

@Suite("Dealer operations")
struct DealerOperationsTests {
    let t0 = TestDatabase.t0

    private func openPeriods(_ db: TestDatabase, client: Int64) throws -> [(dealer: Int64, endReason: String?)] {
        try db.store.read { db in
            try db.query("SELECT dealer_account_id, end_reason FROM service_periods WHERE client_account_id = ? ORDER BY id", [client]) {
                ($0.int64(0), $0.optionalText(1))
            }
        }
    }

    @Test func listClientsShowsOnlyThisDealersLiveClients() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let rival = try db.dealer("rival")
        let clients = try (0..<3).map { try db.servedClient("client\($0)", by: dealer, now: t0 + Int64($0)) }
        _ = try db.servedClient("theirs", by: rival)
        let first = try db.store.listClients(dealerAccountID: dealer.account.id, cursor: nil, limit: 2)
        let second = try db.store.listClients(dealerAccountID: dealer.account.id, cursor: first.nextCursor, limit: 2)
        #expect((first.items + second.items).map(\.name) == ["client0", "client1", "client2"])
        #expect(first.items.first?.servedSince == t0 && second.nextCursor == nil)
        _ = try db.store.deleteClient(dealerAccountID: dealer.account.id, clientAccountID: clients[1].account.id, now: t0 + 10,
                                      audit: TestDatabase.audit("DeleteClient", dealer.admin))
        #expect(try db.store.listClients(dealerAccountID: dealer.account.id, cursor: nil, limit: 10).items.map(\.name) == ["client0", "client2"])
    }

    @Test func createClientMakesAServedAccountWithItsAdmin() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let new = try db.store.createClient(dealerAccountID: dealer.account.id, accountName: "added", adminLogin: "added-admin",
                                            passwordHash: "h", now: t0, audit: TestDatabase.audit("CreateClient", dealer.admin))
        #expect(new.account.servedByAccountID == dealer.account.id && new.account.servedSince == t0)
        #expect(new.admin.isAdmin && new.admin.accountID == new.account.id)
        #expect(try openPeriods(db, client: new.account.id).map(\.dealer) == [dealer.account.id])
        #expect(try db.store.serviceStatus(clientAccountID: new.account.id)?.dealerName == "dealer")
        expectStoreError(.loginTaken) {
            try db.store.createClient(dealerAccountID: dealer.account.id, accountName: "again", adminLogin: "ADDED-admin",
                                      passwordHash: "h", now: t0, audit: TestDatabase.audit("CreateClient", dealer.admin))
        }
        let plain = try db.account("plain")
        expectStoreError(.dealerModeRequired) {
            try db.store.createClient(dealerAccountID: plain.account.id, accountName: "x", adminLogin: "x-admin",
                                      passwordHash: "h", now: t0, audit: TestDatabase.audit("CreateClient", plain.admin))
        }
        try db.expectNoViolations()
    }

    @Test func deleteClientSoftDeletesOnlyThisDealersClient() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let rival = try db.dealer("rival")
        let client = try db.servedClient("client", by: dealer)
        let theirs = try db.servedClient("theirs", by: rival)
        let unserved = try db.account("unserved")
        for other in [theirs, unserved] {
            expectStoreError(.clientNotFound) {
                try db.store.deleteClient(dealerAccountID: dealer.account.id, clientAccountID: other.account.id, now: t0,
                                          audit: TestDatabase.audit("DeleteClient", dealer.admin))
            }
        }
        _ = try db.login(client.admin, token: 1)
        _ = try db.impersonate(client, by: dealer, token: 2)
        _ = try db.login(dealer.admin, token: 3)
        let revoked = try db.store.deleteClient(dealerAccountID: dealer.account.id, clientAccountID: client.account.id, now: t0 + 9,
                                                audit: TestDatabase.audit("DeleteClient", dealer.admin))
        #expect(revoked == 2)
        #expect(try db.isRevoked(1) && db.isRevoked(2) && !db.isRevoked(3))
        let credentials = try #require(try db.store.credentials(forLogin: "client-admin"))
        #expect(credentials.account.deletedAt == t0 + 9 && credentials.account.servedByAccountID == nil)
        #expect(credentials.user.disabledAt == nil)  // users and history stay
        #expect(try openPeriods(db, client: client.account.id).map(\.endReason) == ["client_deleted"])
        expectStoreError(.clientNotFound) {
            try db.store.deleteClient(dealerAccountID: dealer.account.id, clientAccountID: client.account.id, now: t0,
                                      audit: TestDatabase.audit("DeleteClient", dealer.admin))
        }
        try db.expectNoViolations()
    }

    @Test func loginToClientActsAsClientAdminWithoutDealerRights() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let client = try db.servedClient("client", by: dealer)
        let session = try db.impersonate(client, by: dealer, token: 1)
        #expect(session.accountID == client.account.id && session.accountName == "client")
        #expect(session.isAdmin && !session.isDealer && session.isImpersonation)
        #expect(session.userID == dealer.admin.id)
        #expect(session.impersonatorUserID == dealer.admin.id && session.impersonatorLogin == "dealer-admin")
        #expect(session.impersonatorAccountID == dealer.account.id && session.impersonatorAccountName == "dealer")
        #expect(session.expiresAt == t0 + 3_600_000)
        #expect(session.parent?.id == session.id - 1 && session.parent?.revokedAt == nil)

        let stranger = try db.account("stranger")
        expectStoreError(.clientNotFound) { try db.impersonate(stranger, by: dealer, token: 2) }
        let rival = try db.dealer("rival")
        expectStoreError(.clientNotFound) { try db.impersonate(client, by: rival, token: 3) }
        let clerk = try db.store.createUser(accountID: dealer.account.id, login: "clerk", passwordHash: "h", isAdmin: false, isDealer: false,
                                            now: t0, audit: TestDatabase.audit("CreateUser", dealer.admin))
        let clerkSession = try db.login(clerk, token: 5)
        expectStoreError(.dealerModeRequired) {
            try db.store.createImpersonationSession(
                dealerUserID: clerk.id, dealerAccountID: dealer.account.id, clientAccountID: client.account.id,
                parentSessionID: clerkSession.id, tokenHash: TestDatabase.token(4), now: t0, expiresAt: t0 + 1, audit: TestDatabase.audit("LoginToClient", clerk))
        }
        try db.expectNoViolations()
    }

    @Test func loginToClientSessionNeverOutlivesTheDealerSessionItWasOpenedFrom() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let client = try db.servedClient("client", by: dealer)
        // Its expiry is capped at the parent's.
        let shortParent = try db.store.createSession(
            userID: dealer.admin.id, verifiedPasswordHash: "hash", tokenHash: TestDatabase.token(1), now: t0, expiresAt: t0 + 1_000, audit: TestDatabase.audit("Login"))
        let capped = try db.impersonate(client, by: dealer, token: 2, parent: shortParent)
        #expect(capped.expiresAt == t0 + 1_000)
        // A revoked parent (Logout) revokes its children in the same transaction.
        let parent = try db.login(dealer.admin, token: 3)
        _ = try db.impersonate(client, by: dealer, token: 4, parent: parent)
        #expect(try db.store.revokeSession(id: parent.id, now: t0 + 1, audit: TestDatabase.audit("Logout", dealer.admin)))
        #expect(try db.isRevoked(4))
        // And no child can be opened from it any more.
        expectStoreError(.parentSessionInvalid) { try db.impersonate(client, by: dealer, token: 5, parent: parent) }
        // A parent that is not active makes the child inactive even before any write.
        let child = try #require(try db.store.session(tokenHash: TestDatabase.token(2)))
        #expect(child.isActive(now: t0 + 999) && !child.isActive(now: t0 + 1_000))
        try db.expectNoViolations()
    }

    @Test func acceptServesTheClientAndClosesItsOtherPendingRequests() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let rival = try db.dealer("rival")
        let client = try db.account("client")
        let mine = try db.submit(client, to: dealer)
        let theirs = try db.submit(client, to: rival)
        expectStoreError(.requestNotFound) { try db.accept(mine, by: rival) }
        let accepted = try db.accept(mine, by: dealer, now: t0 + 5)
        #expect(accepted.status == .accepted && accepted.updatedAt == t0 + 5)
        let status = try #require(try db.store.serviceStatus(clientAccountID: client.account.id))
        #expect(status == ServiceStatus(dealerAccountID: dealer.account.id, dealerName: "dealer", since: t0 + 5))
        let other = try #require(try db.store.listIncomingRequests(dealerAccountID: rival.account.id, status: nil, cursor: nil, limit: 5, now: t0).items.first)
        #expect(other.id == theirs.id && other.status == .closed)
        expectStoreError(.requestNotPending) { try db.accept(mine, by: dealer) }
        expectStoreError(.requestNotPending) { try db.accept(theirs, by: rival) }
        try db.expectNoViolations()
    }

    @Test func acceptRefusesAServedClientAndADealerClient() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let rival = try db.dealer("rival")
        // A pending request from an already served client can only exist if written around the rules.
        let served = try db.servedClient("served", by: rival)
        let stray = try db.store.write { db in
            try db.run("INSERT INTO service_requests (client_account_id, dealer_account_id, created_at, updated_at, expires_at) VALUES (?, ?, 0, 0, ?)",
                       [served.account.id, dealer.account.id, Int64.max])
            return db.lastInsertRowID
        }
        expectStoreError(.accountServedByDealer) {
            try db.store.acceptRequest(dealerAccountID: dealer.account.id, requestID: stray, now: t0, audit: TestDatabase.audit("AcceptRequest", dealer.admin))
        }
        // A client that became a dealer after submitting.
        let client = try db.account("client")
        let request = try db.submit(client, to: dealer)
        _ = try db.store.setUserRights(accountID: client.account.id, userID: client.admin.id, isAdmin: true, isDealer: true, now: t0,
                                       audit: TestDatabase.audit("SetUserRights", client.admin))
        expectStoreError(.dealerCannotBeServed) { try db.accept(request, by: dealer) }
    }

    @Test func rejectRecordsTheReasonOnce() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let client = try db.account("client")
        let request = try db.submit(client, to: dealer)
        let rejected = try db.store.rejectRequest(dealerAccountID: dealer.account.id, requestID: request.id, reason: "too far", now: t0 + 1,
                                                  audit: TestDatabase.audit("RejectRequest", dealer.admin))
        #expect(rejected.status == .rejected && rejected.rejectReason == "too far")
        expectStoreError(.requestNotPending) {
            try db.store.rejectRequest(dealerAccountID: dealer.account.id, requestID: request.id, reason: nil, now: t0 + 2,
                                       audit: TestDatabase.audit("RejectRequest", dealer.admin))
        }
        expectStoreError(.requestNotPending) { try db.accept(request, by: dealer) }
    }

    @Test func blockingRefusesNewRequestsUntilCleared() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let rival = try db.dealer("rival")
        let client = try db.account("client")
        let request = try db.submit(client, to: dealer)
        func block(_ blocked: Bool, by who: NewAccount) throws -> ServiceRequestRecord {
            try db.store.setRequestBlocked(dealerAccountID: who.account.id, requestID: request.id, blocked: blocked, now: t0 + 1,
                                           audit: TestDatabase.audit("SetRequestBlocked", who.admin))
        }
        expectStoreError(.requestNotFound) { try block(true, by: rival) }
        _ = try db.store.rejectRequest(dealerAccountID: dealer.account.id, requestID: request.id, reason: nil, now: t0 + 1,
                                       audit: TestDatabase.audit("RejectRequest", dealer.admin))
        #expect(try block(true, by: dealer).blocked)
        expectStoreError(.requestsBlocked) { try db.submit(client, to: dealer) }
        _ = try db.submit(client, to: rival)  // other dealers are unaffected
        #expect(try !block(false, by: dealer).blocked)
        _ = try db.submit(client, to: dealer)
        try db.expectNoViolations()
    }

    @Test func incomingRequestsAreNewestFirstFilteredAndPaginated() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let rival = try db.dealer("rival")
        let clients = try (0..<4).map { try db.account("client\($0)") }
        let requests = try clients.map { try db.submit($0, to: dealer) }
        _ = try db.submit(clients[0], to: rival)
        _ = try db.store.cancelRequest(clientAccountID: clients[1].account.id, requestID: requests[1].id, now: t0,
                                       audit: TestDatabase.audit("CancelRequest", clients[1].admin))
        let first = try db.store.listIncomingRequests(dealerAccountID: dealer.account.id, status: nil, cursor: nil, limit: 3, now: t0)
        let rest = try db.store.listIncomingRequests(dealerAccountID: dealer.account.id, status: nil, cursor: first.nextCursor, limit: 3, now: t0)
        #expect((first.items + rest.items).map(\.id) == requests.reversed().map(\.id))
        #expect(rest.nextCursor == nil)
        let pending = try db.store.listIncomingRequests(dealerAccountID: dealer.account.id, status: .pending, cursor: nil, limit: 10, now: t0)
        #expect(pending.items.map(\.clientAccountName) == ["client3", "client2", "client0"])
        let cancelled = try db.store.listIncomingRequests(dealerAccountID: dealer.account.id, status: .cancelled, cursor: nil, limit: 10, now: t0)
        #expect(cancelled.items.map(\.id) == [requests[1].id])
    }
}
