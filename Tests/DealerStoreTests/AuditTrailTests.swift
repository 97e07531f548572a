@testable import DealerStore
import Foundation
import Testing

/// Audit trails are per-account chains (migration 6): listing follows them.
@Suite("Audit trails")
struct AuditTrailTests {
    struct Boom: Error {}
    private let t0 = TestDatabase.t0

    private func trail(_ store: DealerStore, _ accountID: Int64, pageSize: Int) throws -> [Int64] {
        var ids: [Int64] = []
        var cursor: Int64?
        repeat {
            let page = try store.listAuditEvents(accountID: accountID, cursor: cursor, limit: pageSize)
            #expect(page.items.count <= pageSize)
            ids += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        return ids
    }

    private func allEventIDs(_ store: DealerStore, actingFor accountID: Int64) throws -> [Int64] {
        try store.read { db in
            try db.query("SELECT id FROM audit_events WHERE acting_for_account_id = ? ORDER BY id DESC", [accountID]) { $0.int64(0) }
        }
    }

    @Test func interleavedTrailsPageNewestFirstWithoutEachOther() throws {
        let db = try TestDatabase()
        let acme = try db.account("acme"), beta = try db.account("beta")
        for step in 0..<11 {
            let account = step % 3 == 0 ? beta : acme
            try db.store.appendAudit(TestDatabase.audit("Step\(step)", account.admin), object: "step:\(step)", now: t0 + Int64(step))
        }
        for account in [acme, beta] {
            let expected = try allEventIDs(db.store, actingFor: account.account.id)
            #expect(expected.count > 4)
            for pageSize in [1, 3, 50] {
                #expect(try trail(db.store, account.account.id, pageSize: pageSize) == expected)
            }
        }
        let newest = try db.store.listAuditEvents(accountID: acme.account.id, cursor: nil, limit: 1).items.first
        #expect(newest?.method == "Step10" && newest?.actingForAccountID == acme.account.id)
    }

    @Test func aCursorOutsideTheTrailIsRefused() throws {
        let db = try TestDatabase()
        let acme = try db.account("acme"), beta = try db.account("beta")
        let betaEvent = try #require(db.store.listAuditEvents(accountID: beta.account.id, cursor: nil, limit: 1).items.first)
        expectStoreError(.invalidCursor) { _ = try db.store.listAuditEvents(accountID: acme.account.id, cursor: betaEvent.id, limit: 10) }
        expectStoreError(.invalidCursor) { _ = try db.store.listAuditEvents(accountID: acme.account.id, cursor: 9_999_999, limit: 10) }
        let fresh = try db.store.listAuditEvents(accountID: 9_999_999, cursor: nil, limit: 10)
        #expect(fresh.items.isEmpty && fresh.nextCursor == nil)
    }

    @Test func aWriteThatFailsLeavesTheTrailAsItWas() throws {
        let db = try TestDatabase()
        let acme = try db.account("acme")
        let before = try allEventIDs(db.store, actingFor: acme.account.id)
        #expect(throws: Boom.self) {
            try db.store.write { db in
                try db.insertAudit(TestDatabase.audit("Lost", acme.admin), object: "x", now: t0)
                throw Boom()
            }
        }
        try db.store.appendAudit(TestDatabase.audit("Kept", acme.admin), object: "y", now: t0 + 1)
        let after = try trail(db.store, acme.account.id, pageSize: 2)
        #expect(after.count == before.count + 1 && Array(after.dropFirst()) == before)
    }

    @Test func theSchemaKeepsEventsOnTheirTrail() throws {
        let db = try TestDatabase()
        let acme = try db.account("acme"), beta = try db.account("beta")
        try db.store.appendAudit(TestDatabase.audit("Second", acme.admin), object: "x", now: t0)
        let event = try #require(db.store.listAuditEvents(accountID: acme.account.id, cursor: nil, limit: 1).items.first)
        #expect(event.method == "Second")
        for sql in ["UPDATE audit_events SET acting_for_account_id = \(beta.account.id) WHERE id = \(event.id)",
                    "UPDATE audit_events SET previous_for_account_id = NULL WHERE id = \(event.id)"] {
            #expect(throws: (any Error).self) { _ = try db.store.write { db in try db.run(sql) } }
        }
    }

    @Test func invariantsNameABrokenTrail() throws {
        let db = try TestDatabase()
        let acme = try db.account("acme"), beta = try db.account("beta")
        for step in 0..<4 {
            try db.store.appendAudit(TestDatabase.audit("Step\(step)", step % 2 == 0 ? acme.admin : beta.admin), object: "s", now: t0)
        }
        #expect(try db.store.invariantViolations() == [])
        let newest = try #require(db.store.listAuditEvents(accountID: acme.account.id, cursor: nil, limit: 1).items.first)
        _ = try db.store.write { db in
            try db.execute("DROP TRIGGER audit_events_chain_fixed; DROP TRIGGER audit_trail_heads_move_forward")
            try db.run("UPDATE audit_events SET previous_for_account_id = NULL WHERE id = ?", [newest.id])
            try db.run("UPDATE audit_trail_heads SET last_event_id = ? WHERE account_id = ?", [newest.id - 1, beta.account.id])
        }
        let violations = try db.store.invariantViolations()
        #expect(violations.contains("audit event not linked to its account's previous event: \(newest.id)"), "\(violations)")
        #expect(violations.contains("audit trail head not its account's newest event: \(beta.account.id)"), "\(violations)")
    }

    /// A database written by a build before migration 6 (events indexed by account):
    /// opening it links every existing event into its account's trail.
    @Test func migrationLinksTheEventsOfAnOlderDatabase() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dealer-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("v5.sqlite").path
        do {
            let old = try SQLiteConnection(path: path)
            try old.execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON")
            try old.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT")
            for migration in Migration.all where migration.version <= 5 {
                try old.execute(migration.sql)
                _ = try old.run("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [migration.version, migration.name])
            }
            for account in 1...3 {
                _ = try old.run("INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)", [Int64(account), "a\(account)", t0])
            }
            for event in 1...20 {
                let account: Int64? = event % 5 == 0 ? nil : Int64(event % 3 + 1)
                _ = try old.run(
                    "INSERT INTO audit_events (id, at, acting_for_account_id, method, object, result) VALUES (?, ?, ?, 'M', 'o', 'OK')",
                    [Int64(event), t0, account])
            }
        }
        let store = try DealerStore(configuration: .init(path: path), logger: TestDatabase.logger)
        #expect(try store.appliedMigrations() == Migration.all.map(\.version))
        for account: Int64 in 1...3 {
            let expected = try allEventIDs(store, actingFor: account)
            #expect(expected.count >= 5)
            #expect(try trail(store, account, pageSize: 2) == expected)
        }
        // New events continue each migrated trail.
        try store.appendAudit(AuditContext(actingForAccountID: 2, method: "New"), object: "z", now: t0 + 1)
        #expect(try trail(store, 2, pageSize: 50) == allEventIDs(store, actingFor: 2))
        #expect(try store.listAuditEvents(accountID: 2, cursor: nil, limit: 1).items.first?.method == "New")
        // (The hand-made accounts have no admin: only the audit invariants apply here.)
        #expect(try store.invariantViolations().filter { $0.hasPrefix("audit") } == [])
    }
}
