@testable import DealerStore
import Foundation
import Testing

@Suite("Opening, pragmas and migrations")
struct OpeningTests {
    struct Boom: Error {}

    private func pragma(_ store: DealerStore, _ name: String) throws -> String? {
        try store.write { db in try db.queryFirst("PRAGMA \(name)") { $0.text(0) } }
    }

    @Test func createsParentDirectoryAndConfiguresDurability() throws {
        let db = try TestDatabase()
        #expect(FileManager.default.fileExists(atPath: db.path))
        #expect(try pragma(db.store, "journal_mode") == "wal")
        #expect(try pragma(db.store, "synchronous") == "2")  // FULL
        #expect(try pragma(db.store, "foreign_keys") == "1")
        #expect(try db.store.appliedMigrations() == Migration.all.map(\.version))
    }

    @Test func synchronousNormalIsOptIn() throws {
        let db = try TestDatabase(synchronous: .normal)
        #expect(try pragma(db.store, "synchronous") == "1")  // NORMAL
    }

    @Test func migrationsAreIdempotentAcrossReopens() throws {
        let db = try TestDatabase()
        let created = try db.account("acme")
        for _ in 0..<2 {
            let again = try DealerStore(configuration: .init(path: db.path), logger: TestDatabase.logger)
            #expect(try again.appliedMigrations() == Migration.all.map(\.version))
            #expect(try again.credentials(forLogin: "acme-admin")?.account.id == created.account.id)
        }
        let recorded = try db.store.read { db in try db.queryFirst("SELECT count(*) FROM schema_migrations") { $0.int64(0) } }
        #expect(recorded == Int64(Migration.all.count))
    }

    @Test func auditResultsWrittenAsLowercaseOkBecomeOKOnMigration() throws {
        let db = try TestDatabase()
        _ = try db.account("acme")  // audited: SignUp
        _ = try db.store.write { db in
            try db.run("UPDATE audit_events SET result = 'ok'")
            try db.run("DELETE FROM schema_migrations WHERE version = 2")
        }
        let reopened = try DealerStore(configuration: .init(path: db.path), logger: TestDatabase.logger)
        let results = try reopened.read { db in try db.query("SELECT result FROM audit_events") { $0.text(0) } }
        #expect(results == ["OK"])
    }

    @Test func refusesASchemaNewerThanTheBuild() throws {
        let db = try TestDatabase()
        _ = try db.store.write { db in try db.run("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')") }
        let error = #expect(throws: DealerStoreError.self) { try DealerStore(configuration: .init(path: db.path), logger: TestDatabase.logger) }
        #expect(error?.message.contains("newer") == true)
    }

    @Test func refusesAFileThatIsNotADatabase() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dealer-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("garbage.sqlite").path
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: DealerStoreError.self) { try DealerStore(configuration: .init(path: path), logger: TestDatabase.logger) }
        #expect(error?.message.contains("refusing to start") == true)
    }

    @Test func quickCheckFailureRefusesToStart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dealer-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("dealer.sqlite").path
        try corrupt(path: path)
        let error = #expect(throws: DealerStoreError.self) { try DealerStore(configuration: .init(path: path), logger: TestDatabase.logger) }
        #expect(error?.message.contains("refusing to start") == true, "\(String(describing: error))")
    }

    @Test func foreignKeyCheckFailureRefusesToStart() throws {
        let db = try TestDatabase()
        _ = try db.account("acme")
        // A second raw connection without foreign_keys can write an orphan.
        let raw = try SQLiteConnection(path: db.path)
        try raw.run("INSERT INTO users (account_id, login, password_hash, is_admin, is_dealer, created_at) VALUES (999, 'orphan', 'h', 0, 0, 0)")
        let error = #expect(throws: DealerStoreError.self) { try DealerStore(configuration: .init(path: db.path), logger: TestDatabase.logger) }
        #expect(error?.message.contains("foreign_key_check") == true)
    }

    @Test func writeRollsBackEverythingOnError() throws {
        let db = try TestDatabase()
        let before = try db.auditCount()
        #expect(throws: Boom.self) {
            try db.store.write { db in
                _ = try db.insertAccount(name: "ghost", servedBy: nil, now: 1)
                try db.insertAudit(AuditContext(method: "Test"), object: "x", now: 1)
                throw Boom()
            }
        }
        #expect(try db.auditCount() == before)
        let ghosts = try db.store.read { db in try db.queryFirst("SELECT count(*) FROM accounts WHERE name = 'ghost'") { $0.int64(0) } }
        #expect(ghosts == 0)
        // The writer is usable again (the transaction was closed).
        _ = try db.account("after")
    }

    /// Fills a closed database's pages after the first (the schema) with garbage.
    private func corrupt(path: String) throws {
        do {
            // Populate and let the store close so the WAL is checkpointed into the file.
            let store = try DealerStore(configuration: .init(path: path), logger: TestDatabase.logger)
            for index in 0..<50 {
                _ = try store.signUp(
                    accountName: "account \(index)", login: "login-\(index)", passwordHash: String(repeating: "h", count: 200),
                    now: 1, audit: AuditContext(method: "SignUp"))
            }
        }
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        #expect(size > 4096 * 4)
        try handle.seek(toOffset: 4096 * 3)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 4096 * 2))
    }
}
