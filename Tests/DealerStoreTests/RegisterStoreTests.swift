@testable import DealerStore
import Dispatch
import Testing

/// The register store: its schema backstops, and moves of the largest batch in one transaction.
@Suite("Register store")
struct RegisterStoreTests {
    let t0 = TestDatabase.t0

    /// A dealer and a client it serves, each with an organization of the same INN; `count`
    /// registers in the dealer's account (inserted in one write, each with its ADDED entry).
    struct Holdings {
        let db: TestDatabase
        let dealer: NewAccount
        let client: NewAccount
        let dealerOrganization: OrganizationRecord
        let clientOrganization: OrganizationRecord
        let registerIDs: [Int64]
    }

    func holdings(count: Int) throws -> Holdings {
        let db = try TestDatabase(synchronous: .normal)
        let dealer = try db.dealer("dealer")
        let client = try db.servedClient("client", by: dealer)
        let dealerOrganization = try db.store.createOrganization(
            accountID: dealer.account.id, name: "Bakery", inn: "7707083893", kpp: nil, now: t0,
            audit: TestDatabase.audit("CreateOrganization", dealer.admin))
        let clientOrganization = try db.store.createOrganization(
            accountID: client.account.id, name: "Bakery", inn: "7707083893", kpp: nil, now: t0,
            audit: TestDatabase.audit("CreateOrganization", client.admin))
        let audit = TestDatabase.audit("AddRegister", dealer.admin)
        let accountID = dealer.account.id, organizationID = dealerOrganization.id, now = t0
        let ids = try db.store.write { db in
            try (0..<count).map { n in
                try db.run("""
                    INSERT INTO registers (account_id, organization_id, model, serial_number, registration_number,
                        fiscal_drive_number, created_at, updated_at) VALUES (?, ?, 'ATOL', ?, ?, '9999000000000001', ?, ?)
                    """, [accountID, organizationID, "SN-\(n)", String(1_000_000_000_000_000 + n), now, now])
                let id = db.lastInsertRowID
                try db.insertHistory(
                    registerID: id, kind: .added, from: nil,
                    to: RegisterPosition(accountID: accountID, groupID: nil, organizationID: organizationID), audit: audit, now: now)
                return id
            }
        }
        return Holdings(
            db: db, dealer: dealer, client: client, dealerOrganization: dealerOrganization,
            clientOrganization: clientOrganization, registerIDs: ids)
    }

    func request(_ h: Holdings, _ ids: [Int64], operation: String = "00000000-0000-0000-0000-000000000001") -> TransferRequest {
        TransferRequest(
            dealerAccountID: h.dealer.account.id, registerIDs: ids, targetAccountID: h.client.account.id, targetGroupID: nil,
            operationID: operation, fingerprint: [UInt8](repeating: 7, count: 32))
    }

    @Test("10,000 registers move in one transaction: all of them, or with one bad id none")
    func largestBatch() async throws {
        // Seconds of blocking SQLite work: on a Dispatch thread, so the test runner's few
        // cooperative threads stay free for the tests running beside it.
        try await Self.offCooperativePool { try self.largestBatchBody() }
    }

    static func offCooperativePool(_ body: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }

    func largestBatchBody() throws {
        let h = try holdings(count: DealerStore.maxRegistersPerOperation)
        let audit = TestDatabase.audit("TransferRegisters", h.dealer.admin)
        let bad = request(h, Array(h.registerIDs.dropLast()) + [999_999_999])
        #expect(throws: RegisterStoreError.self) {
            _ = try h.db.store.transferRegisters(bad, dryRun: false, now: t0 + 1, audit: audit, encode: { _ in [] })
        }
        let stillHome = try h.db.store.listRegisters(
            accountID: h.client.account.id, filter: RegisterFilter(), cursor: nil, limit: 10)
        #expect(stillHome.items.isEmpty)
        #expect(try h.db.store.listTransfers(dealerAccountID: h.dealer.account.id, cursor: nil, limit: 20).items.isEmpty)

        guard case .performed(let preview) = try h.db.store.transferRegisters(
            request(h, h.registerIDs), dryRun: true, now: t0 + 2, audit: audit, encode: { _ in [] })
        else { Issue.record("dry run answered a recorded operation"); return }
        guard case .performed(let result) = try h.db.store.transferRegisters(
            request(h, h.registerIDs), dryRun: false, now: t0 + 2, audit: audit, encode: { _ in [1, 2, 3] })
        else { Issue.record("real call answered a recorded operation"); return }
        #expect(result.registers == preview.registers && result.registers.count == 10_000)
        #expect(result.registers.allSatisfy { $0.toOrganizationID == h.clientOrganization.id })
        let moved = try h.db.store.write { db in
            try db.queryFirst(
                "SELECT count(*) FROM register_history WHERE transfer_id = ? AND to_account_id = ?",
                [result.transferID!, h.client.account.id]) { $0.int64(0) }
        }
        #expect(moved == 10_000)
        let transfers = try h.db.store.listTransfers(dealerAccountID: h.dealer.account.id, cursor: nil, limit: 20).items
        #expect(transfers.map(\.registerIDs) == [h.registerIDs])
        // The same operation again is answered from the record.
        guard case .recorded(let stored) = try h.db.store.transferRegisters(
            request(h, h.registerIDs), dryRun: false, now: t0 + 3, audit: audit, encode: { _ in [] })
        else { Issue.record("a retry performed the operation again"); return }
        #expect(stored.response == [1, 2, 3] && stored.transferID == result.transferID)
        #expect(try h.db.store.invariantViolations().isEmpty)
    }

    @Test("writes around the store's checks hit the schema: history is an append-only chain, removed registers are frozen")
    func backstops() throws {
        let h = try holdings(count: 2)
        let store = h.db.store
        func raw(_ sql: String, _ values: [any SQLValueConvertible] = []) throws {
            let values = values.map(\.sqlValue)
            try store.registerWrite { db in _ = try db.run(sql, values) }
        }
        let (first, second) = (h.registerIDs[0], h.registerIDs[1])
        // A register's organization belongs to its account; a group too.
        #expect(throws: RegisterStoreError.organizationNotFound) {
            try raw("UPDATE registers SET organization_id = ? WHERE id = ?", [h.clientOrganization.id, first])
        }
        #expect(throws: RegisterStoreError.organizationNotFound) {
            try raw("UPDATE registers SET account_id = ? WHERE id = ?", [h.client.account.id, first])
        }
        try raw("INSERT INTO register_groups (account_id, name, created_at) VALUES (?, 'Theirs', 1)", [h.client.account.id])
        #expect(throws: RegisterStoreError.groupNotFound) {
            try raw("UPDATE registers SET group_id = (SELECT max(id) FROM register_groups) WHERE id = ?", [first])
        }
        // Numbers are unique and fixed.
        func insert(serial: String, number: String) throws {
            try raw("""
                INSERT INTO registers (account_id, organization_id, model, serial_number, registration_number,
                    fiscal_drive_number, created_at, updated_at) VALUES (?, ?, 'ATOL', ?, ?, '9999000000000001', 1, 1)
                """, [h.dealer.account.id, h.dealerOrganization.id, serial, number])
        }
        #expect(throws: RegisterStoreError.serialInUse) { try insert(serial: "SN-1", number: "2000000000000000") }
        #expect(throws: RegisterStoreError.registrationNumberInUse) { try insert(serial: "SN-X", number: "1000000000000001") }
        #expect(throws: SQLiteError.self) { try raw("UPDATE registers SET serial_number = 'SN-9' WHERE id = ?", [first]) }
        #expect(throws: SQLiteError.self) { try raw("UPDATE registers SET registration_number = '1000000000000009' WHERE id = ?", [first]) }
        // History: no gap, no edit, no delete; entries end where the register is.
        #expect(throws: SQLiteError.self) {
            try raw("""
                INSERT INTO register_history (register_id, at, kind, from_account_id, to_account_id, from_organization_id,
                    to_organization_id, transfer_id) VALUES (?, 1, 'group_changed', ?, ?, ?, ?, NULL)
                """, [first, h.client.account.id, h.dealer.account.id, h.dealerOrganization.id, h.dealerOrganization.id])
        }
        #expect(throws: SQLiteError.self) {
            try raw("""
                INSERT INTO register_history (register_id, at, kind, from_account_id, to_account_id, from_group_id, to_group_id,
                    from_organization_id, to_organization_id) VALUES (?, 1, 'group_changed', ?, ?, NULL, 1, ?, ?)
                """, [first, h.dealer.account.id, h.dealer.account.id, h.dealerOrganization.id, h.dealerOrganization.id])
        }
        #expect(throws: SQLiteError.self) { try raw("UPDATE register_history SET at = 5 WHERE register_id = ?", [first]) }
        #expect(throws: SQLiteError.self) { try raw("DELETE FROM register_history WHERE register_id = ?", [first]) }
        #expect(throws: SQLiteError.self) { try raw("DELETE FROM registers WHERE id = ?", [first]) }
        // Removed: frozen; still owned, so the organization stays; an account with active registers stays.
        _ = try store.removeRegister(
            accountID: h.dealer.account.id, registerID: first, now: t0, audit: TestDatabase.audit("RemoveRegister", h.dealer.admin))
        #expect(throws: RegisterStoreError.registerRemoved) { try raw("UPDATE registers SET name = 'x' WHERE id = ?", [first]) }
        #expect(throws: RegisterStoreError.organizationHasRegisters) {
            try raw("UPDATE organizations SET deleted_at = 1 WHERE id = ?", [h.dealerOrganization.id])
        }
        #expect(throws: RegisterStoreError.accountHasRegisters) {
            try raw("UPDATE accounts SET deleted_at = 1 WHERE id = ?", [h.dealer.account.id])
        }
        _ = second
        #expect(try store.invariantViolations().isEmpty)
    }
}
