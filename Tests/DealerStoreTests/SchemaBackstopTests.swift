@testable import DealerStore
import Testing

/// Writes that go around the store's checks still hit the schema's constraints and triggers.
@Suite("Schema backstops")
struct SchemaBackstopTests {
    let t0 = TestDatabase.t0

    private func raw(_ db: TestDatabase, _ sql: String, _ values: [any SQLValueConvertible] = []) throws {
        let values = values.map(\.sqlValue)
        try db.store.write { db in _ = try db.run(sql, values) }
    }

    @Test func servedAccountsAndDealersStayApart() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let rival = try db.dealer("rival")
        let client = try db.servedClient("client", by: dealer)
        let plain = try db.account("plain")
        // A served account's user cannot get the dealer right.
        expectStoreError(.accountServedByDealer) { try raw(db, "UPDATE users SET is_dealer = 1 WHERE id = ?", [client.admin.id]) }
        // Only a dealer can serve; a served account keeps its dealer until disconnected; nobody serves itself.
        expectStoreError(.dealerNotFound) {
            try raw(db, "UPDATE accounts SET served_by_account_id = ?, served_since = 1 WHERE id = ?", [plain.account.id, rival.account.id])
        }
        expectStoreError(.accountServedByDealer) {
            try raw(db, "UPDATE accounts SET served_by_account_id = ? WHERE id = ?", [rival.account.id, client.account.id])
        }
        #expect(throws: SQLiteError.self) {
            try raw(db, "UPDATE accounts SET served_by_account_id = id, served_since = 1 WHERE id = ?", [dealer.account.id])
        }
        // The dealer flag is derived from the users' rights and cannot drop while serving.
        #expect(throws: SQLiteError.self) { try raw(db, "UPDATE accounts SET is_dealer = 1 WHERE id = ?", [plain.account.id]) }
        expectStoreError(.dealerServesClients) { try raw(db, "UPDATE users SET is_dealer = 0 WHERE id = ?", [dealer.admin.id]) }
        // One open period per client, matching served_by.
        expectStoreError(.accountServedByDealer) {
            try raw(db, "INSERT INTO service_periods (client_account_id, dealer_account_id, started_at) VALUES (?, ?, 1)", [client.account.id, dealer.account.id])
        }
        #expect(throws: SQLiteError.self) {
            try raw(db, "INSERT INTO service_periods (client_account_id, dealer_account_id, started_at) VALUES (?, ?, 1)", [plain.account.id, dealer.account.id])
        }
        #expect(throws: SQLiteError.self) {
            try raw(db, "UPDATE accounts SET served_by_account_id = NULL, served_since = NULL WHERE id = ?", [client.account.id])
        }
        try db.expectNoViolations()
    }

    @Test func requestsAreBornPendingAndLeaveItOnce() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let client = try db.account("client")
        let plain = try db.account("plain")
        let request = try db.submit(client, to: dealer)
        expectStoreError(.duplicateRequest) {
            try raw(db, "INSERT INTO service_requests (client_account_id, dealer_account_id, created_at, updated_at, expires_at) VALUES (?, ?, 0, 0, 1)",
                    [client.account.id, dealer.account.id])
        }
        expectStoreError(.requestNotPending) {
            try raw(db, "INSERT INTO service_requests (client_account_id, dealer_account_id, status, created_at, updated_at, expires_at) VALUES (?, ?, 'accepted', 0, 0, 1)",
                    [plain.account.id, dealer.account.id])
        }
        expectStoreError(.dealerNotFound) {
            try raw(db, "INSERT INTO service_requests (client_account_id, dealer_account_id, created_at, updated_at, expires_at) VALUES (?, ?, 0, 0, 1)",
                    [dealer.account.id, plain.account.id])
        }
        try raw(db, "UPDATE service_requests SET status = 'cancelled' WHERE id = ?", [request.id])
        expectStoreError(.requestNotPending) { try raw(db, "UPDATE service_requests SET status = 'accepted' WHERE id = ?", [request.id]) }
        expectStoreError(.requestNotPending) { try raw(db, "UPDATE service_requests SET status = 'pending' WHERE id = ?", [request.id]) }
        let other = try db.submit(plain, to: dealer)
        #expect(throws: SQLiteError.self) { try raw(db, "UPDATE service_requests SET status = 'bogus' WHERE id = ?", [other.id]) }
    }

    @Test func usersKeepAnAdminAndUniqueLogins() throws {
        let db = try TestDatabase()
        let acme = try db.account("acme")
        expectStoreError(.lastAdmin) { try raw(db, "UPDATE users SET is_admin = 0 WHERE id = ?", [acme.admin.id]) }
        expectStoreError(.lastAdmin) { try raw(db, "UPDATE users SET disabled_at = 1 WHERE id = ?", [acme.admin.id]) }
        expectStoreError(.loginTaken) {
            try raw(db, "INSERT INTO users (account_id, login, password_hash, is_admin, is_dealer, created_at) VALUES (?, 'ACME-ADMIN', 'h', 0, 0, 0)", [acme.account.id])
        }
        #expect(throws: SQLiteError.self) {
            try raw(db, "INSERT INTO sessions (token_hash, user_id, account_id, is_admin, is_dealer, created_at, last_seen_at, expires_at) VALUES (x'01', ?, ?, 0, 0, 0, 0, 1)",
                    [acme.admin.id, acme.account.id])
        }
    }

    @Test func invariantCheckReportsDamage() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        let client = try db.servedClient("client", by: dealer)
        try db.expectNoViolations()
        // Closing a period without clearing served_by is not blocked by a trigger, but is caught.
        try raw(db, "UPDATE service_periods SET ended_at = ?, end_reason = 'disconnected' WHERE client_account_id = ?", [t0, client.account.id])
        let violations = try db.store.invariantViolations()
        #expect(violations == ["served account without its open service period: \(client.account.id)"])
    }
}
