@testable import DealerStore
import Testing

@Suite("Client operations")
struct ClientOperationsTests {
    let t0 = TestDatabase.t0

    @Test func findDealersSearchesLiveDealersByNameSubstring() throws {
        let db = try TestDatabase()
        _ = try db.dealer("North Service")
        _ = try db.dealer("south SERVICE")
        _ = try db.dealer("Elsewhere")
        _ = try db.account("Service Fans")  // not a dealer
        let all = try db.store.findDealers(nameQuery: "service", cursor: nil, limit: 10)
        #expect(all.items.map(\.name) == ["North Service", "south SERVICE"])
        let first = try db.store.findDealers(nameQuery: "", cursor: nil, limit: 2)
        let second = try db.store.findDealers(nameQuery: "", cursor: first.nextCursor, limit: 2)
        #expect(first.items.count == 2 && second.items.map(\.name) == ["Elsewhere"] && second.nextCursor == nil)
    }

    @Test func submitRefusesWhatTheRulesForbid() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let client = try db.account("client")
        let plain = try db.account("plain")
        func submit(_ from: NewAccount, to dealerID: Int64) throws -> ServiceRequestRecord {
            try db.store.submitRequest(clientAccountID: from.account.id, dealerAccountID: dealerID, message: "m", now: t0,
                                       expiresAt: t0 + TestDatabase.day, audit: TestDatabase.audit("SubmitRequest", from.admin))
        }
        expectStoreError(.dealerNotFound) { try submit(client, to: plain.account.id) }
        expectStoreError(.dealerNotFound) { try submit(client, to: 9_999) }
        expectStoreError(.dealerNotFound) { try submit(dealer, to: dealer.account.id) }
        expectStoreError(.dealerCannotBeServed) { try submit(try db.dealer("other dealer"), to: dealer.account.id) }
        let request = try submit(client, to: dealer.account.id)
        #expect(request.status == .pending && request.message == "m" && request.clientAccountName == "client")
        expectStoreError(.duplicateRequest) { try submit(client, to: dealer.account.id) }
        let rival = try db.dealer("rival")
        _ = try submit(client, to: rival.account.id)  // several dealers at once
        _ = try db.accept(request, by: dealer)
        expectStoreError(.accountServedByDealer) { try submit(client, to: rival.account.id) }
        try db.expectNoViolations()
    }

    @Test func refusedCallsLeaveNoTrace() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let client = try db.account("client")
        _ = try db.submit(client, to: dealer)
        let events = try db.auditCount()
        expectStoreError(.duplicateRequest) { try db.submit(client, to: dealer) }
        #expect(try db.auditCount() == events)
        #expect(try db.store.listMyRequests(clientAccountID: client.account.id, status: nil, cursor: nil, limit: 10, now: t0).items.count == 1)
    }

    @Test func cancelOnlyTheAccountsOwnPendingRequest() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let client = try db.account("client")
        let stranger = try db.account("stranger")
        let request = try db.submit(client, to: dealer)
        func cancel(_ who: NewAccount) throws -> ServiceRequestRecord {
            try db.store.cancelRequest(clientAccountID: who.account.id, requestID: request.id, now: t0 + 1, audit: TestDatabase.audit("CancelRequest", who.admin))
        }
        expectStoreError(.requestNotFound) { try cancel(stranger) }
        #expect(try cancel(client).status == .cancelled)
        expectStoreError(.requestNotPending) { try cancel(client) }
        expectStoreError(.requestNotPending) { try db.accept(request, by: dealer) }
        let again = try db.submit(client, to: dealer, now: t0 + 2)  // resubmit after cancel
        let mine = try db.store.listMyRequests(clientAccountID: client.account.id, status: nil, cursor: nil, limit: 10, now: t0 + 2)
        #expect(mine.items.map(\.id) == [again.id, request.id])
        #expect(try db.store.listMyRequests(clientAccountID: client.account.id, status: .cancelled, cursor: nil, limit: 10, now: t0 + 2).items.map(\.id) == [request.id])
    }

    @Test func disconnectEndsServiceAndKillsLoginToClientSessions() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let client = try db.account("client")
        func disconnect() throws -> ServiceStatus {
            try db.store.disconnect(clientAccountID: client.account.id, now: t0 + 10, audit: TestDatabase.audit("Disconnect", client.admin))
        }
        expectStoreError(.notServed) { try disconnect() }
        #expect(try db.store.serviceStatus(clientAccountID: client.account.id) == nil)
        _ = try db.accept(db.submit(client, to: dealer), by: dealer, now: t0 + 1)
        _ = try db.impersonate(client, by: dealer, token: 1)
        _ = try db.impersonate(client, by: dealer, token: 2)
        _ = try db.login(client.admin, token: 3)
        let former = try disconnect()
        #expect(former == ServiceStatus(dealerAccountID: dealer.account.id, dealerName: "dealer", since: t0 + 1))
        #expect(try db.isRevoked(1) && db.isRevoked(2) && !db.isRevoked(3))
        #expect(try db.store.serviceStatus(clientAccountID: client.account.id) == nil)
        expectStoreError(.clientNotFound) { try db.impersonate(client, by: dealer, token: 4) }
        expectStoreError(.notServed) { try disconnect() }
        // Served again later: the history keeps both periods.
        _ = try db.accept(db.submit(client, to: dealer, now: t0 + 20), by: dealer, now: t0 + 21)
        let periods = try db.store.read { db in
            try db.query("SELECT started_at, ended_at, end_reason FROM service_periods WHERE client_account_id = ? ORDER BY id", [client.account.id]) {
                "\($0.int64(0)) \($0.optionalInt64(1).map(String.init) ?? "-") \($0.optionalText(2) ?? "-")"
            }
        }
        #expect(periods == ["\(t0 + 1) \(t0 + 10) disconnected", "\(t0 + 21) - -"])
        try db.expectNoViolations()
    }

    @Test func pendingRequestsExpireInReadsAndInWrites() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let client = try db.account("client")
        let request = try db.submit(client, to: dealer, expiresAt: t0 + 100)
        let beforeExpiry = try db.store.listMyRequests(clientAccountID: client.account.id, status: .pending, cursor: nil, limit: 10, now: t0 + 99)
        #expect(beforeExpiry.items.map(\.id) == [request.id])
        // Shown expired before any write touched it.
        let shown = try db.store.listIncomingRequests(dealerAccountID: dealer.account.id, status: .expired, cursor: nil, limit: 10, now: t0 + 100)
        #expect(shown.items.map(\.id) == [request.id] && shown.items.first?.updatedAt == t0 + 100)
        let stored = { try db.store.read { db in try db.queryFirst("SELECT status FROM service_requests WHERE id = ?", [request.id]) { $0.text(0) } } }
        #expect(try stored() == "pending")
        expectStoreError(.requestNotPending) { try db.accept(request, by: dealer, now: t0 + 100) }
        #expect(try stored() == "pending")  // a refused write changes nothing
        // A write that touches requests expires due ones first: the resubmit is no duplicate.
        let again = try db.submit(client, to: dealer, now: t0 + 101)
        #expect(try stored() == "expired" && again.status == .pending)
        try db.expectNoViolations()
    }

    @Test func auditTrailShowsTheAccountsEventsWithImpersonators() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let client = try db.servedClient("client", by: dealer)
        let session = try db.impersonate(client, by: dealer, token: 1)
        let asDealer = AuditContext(
            actorUserID: session.userID, actorAccountID: dealer.account.id, actingForAccountID: session.accountID,
            impersonatorUserID: session.impersonatorUserID, impersonatorAccountID: session.impersonatorAccountID, method: "CreateUser")
        _ = try db.store.createUser(accountID: client.account.id, login: "made-by-dealer", passwordHash: "h", isAdmin: false, isDealer: false,
                                    now: t0 + 1, audit: asDealer)
        var read = asDealer
        read.method = "ListUsers"
        try db.store.appendAudit(read, object: "account:\(client.account.id)", now: t0 + 2)
        let trail = try db.store.listAuditEvents(accountID: client.account.id, cursor: nil, limit: 2)
        #expect(trail.items.map(\.method) == ["ListUsers", "CreateUser"])
        let event = try #require(trail.items.last)
        #expect(event.at == t0 + 1 && event.object.hasPrefix("user:") && event.result == "OK")
        #expect(event.impersonatorLogin == "dealer-admin" && event.impersonatorAccountName == "dealer")
        #expect(event.actorLogin == "dealer-admin" && event.actingForAccountID == client.account.id)
        let older = try db.store.listAuditEvents(accountID: client.account.id, cursor: trail.nextCursor, limit: 10)
        #expect(older.items.map(\.method) == ["SubmitRequest", "SignUp"])
        // The dealer's own trail does not include the client's events.
        #expect(try !db.store.listAuditEvents(accountID: dealer.account.id, cursor: nil, limit: 50).items.contains { $0.method == "ListUsers" })
    }
}
