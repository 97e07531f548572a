import Dispatch
import Foundation
import Logging
import Synchronization

/// The SQLite repository: accounts, users, sessions, service requests and audit.
///
/// Every call is synchronous and blocking: run it on a worker thread, never on an
/// event loop. Writes go through one connection behind a `Mutex`, each in a
/// `BEGIN IMMEDIATE` transaction; reads use a small pool of read-only connections.
/// Times are Unix milliseconds passed in by the caller; the store never reads the clock.
public final class DealerStore: Sendable {
    public let configuration: DealerStoreConfiguration
    let logger: Logger
    private let writes: GroupCommitter
    private let readers: ReaderPool
    /// Whether the store can serve, read from memory; see `StoreHealth`.
    public let health: StoreHealth
    /// True while a health probe is scheduled (at most one at a time).
    private let probeScheduled = Atomic<Bool>(false)

    /// Opens (creating if needed) the database, checks it and applies pending migrations.
    /// Throws `DealerStoreError` with a clear message if the file fails its checks.
    public init(configuration: DealerStoreConfiguration, logger: Logger = Logger(label: "dealer.store")) throws {
        self.configuration = configuration
        self.logger = logger
        let path = configuration.path
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

        do {
            let health = StoreHealth(writerStuckAfterMilliseconds: configuration.writerStuckAfterMilliseconds)
            self.health = health
            self.writes = GroupCommitter(writer: try Self.openWriter(configuration, logger: logger), health: health, logger: logger)
            self.readers = try ReaderPool(count: configuration.readerCount) {
                let reader = try SQLiteConnection(path: path, vfs: configuration.vfsName)
                try reader.setBusyTimeout(milliseconds: configuration.busyTimeoutMilliseconds)
                try reader.execute("PRAGMA foreign_keys = ON; PRAGMA query_only = ON")
                return reader
            }
        } catch let error as SQLiteError {
            throw DealerStoreError("\(path): cannot open the database, refusing to start: \(error.message)")
        }
        logger.info("database opened", metadata: [
            "path": "\(path)", "schema": "\(Migration.all.last?.version ?? 0)",
            "synchronous": "\(configuration.synchronous.rawValue)",
        ])
    }

    /// Calls `observer` after every committed group-commit transaction with its
    /// number of writes and its time from BEGIN to COMMIT (metrics); replaces
    /// the previous observer. It runs on the writer's thread: keep it cheap.
    public func observeCommits(_ observer: @escaping @Sendable (_ writes: Int, _ nanoseconds: UInt64) -> Void) {
        writes.commitObserver.withLock { $0 = GroupCommitter.CommitObserver(observe: observer) }
    }

    /// The writer connection's page cache, in KiB (`PRAGMA cache_size`): filled
    /// only as far as the database is large.
    static let writerCacheKiB = 64 * 1024

    /// Opens and configures the writer connection, checks the file and migrates it.
    private static func openWriter(_ configuration: DealerStoreConfiguration, logger: Logger) throws -> SQLiteConnection {
        let path = configuration.path
        let writer = try SQLiteConnection(path: path, vfs: configuration.vfsName)
        try writer.setBusyTimeout(milliseconds: configuration.busyTimeoutMilliseconds)
        let journalMode = try writer.queryFirst("PRAGMA journal_mode = WAL") { $0.text(0) }
        guard journalMode?.lowercased() == "wal" else {
            throw DealerStoreError("\(path): cannot switch to WAL journal mode (got \(journalMode ?? "nothing"))")
        }
        // The writer's page cache holds the pages every write touches (the users,
        // sessions and audit B-trees): with SQLite's default 2 MiB, a database of a few
        // tens of MiB already makes each write read pages back from the OS.
        try writer.execute(
            "PRAGMA synchronous = \(configuration.synchronous.rawValue); PRAGMA foreign_keys = ON; "
                + "PRAGMA cache_size = -\(Self.writerCacheKiB)")
        try Self.check(writer, pragma: "quick_check", path: path)
        try Self.migrate(writer, logger: logger)
        let orphans = try writer.query("PRAGMA foreign_key_check") { "\($0.text(0)) row \($0.int64(1)) -> \($0.text(2))" }
        guard orphans.isEmpty else {
            throw DealerStoreError("\(path): foreign_key_check failed, refusing to start: \(orphans.prefix(5).joined(separator: "; "))")
        }
        return writer
    }

    // MARK: Transactions

    /// Calls `observer` with the `sessions`, `users` and `accounts` rows every
    /// committed write transaction updated or deleted (triggers included), on
    /// the committing thread before any write of it returns. For caches of
    /// sessions: invalidating there means no acknowledged change is missed.
    /// `observer` must be quick and must not call the store.
    /// Runs `body` on this thread inside one write transaction: every write
    /// it makes (through this store) runs inline in its own savepoint, reads
    /// see the batch's writes, and one COMMIT ends it. Returns the failure
    /// that voids the whole batch, nil once it is durable.
    public func runWriteGroup(_ body: () -> Void) -> (any Error)? {
        defer { scheduleHealthProbeIfNeeded() }
        let failure = writes.runGroup(body)
        if let error = failure as? SQLiteError { return StoreError(error) ?? error }
        return failure
    }

    public func observeIdentityChanges(_ observer: @escaping @Sendable (IdentityRowChanges) -> Void) {
        writes.observeIdentityChanges(observer)
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction on the writer connection,
    /// group-committed with concurrent writes (each in its own savepoint, see
    /// `GroupCommitter`): it returns once durable, and if it throws, its changes
    /// are rolled back. A schema backstop that is a domain rule, and a storage
    /// failure, surface as their `StoreError`.
    func write<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) throws -> T {
        defer { scheduleHealthProbeIfNeeded() }
        do {
            return try writes.write(body)
        } catch let error as SQLiteError {
            throw StoreError(error) ?? error
        }
    }

    /// Runs `body` in a read transaction (one consistent snapshot) on a reader connection.
    /// Inside this store's write batch (`runWriteGroup`, on its thread) it reads on the
    /// writer connection instead, seeing the batch's writes so far, unless
    /// `committedOnly` (what may be cached must be committed).
    ///
    /// The transaction always ends: a reader left inside one would pin its
    /// snapshot and stop WAL checkpoints. If COMMIT fails, the transaction is
    /// rolled back and the failure logged; the read's result stands (its snapshot
    /// was consistent). If even ROLLBACK fails, the error is thrown.
    func read<T: Sendable>(committedOnly: Bool = false, _ body: @Sendable (SQLiteConnection) throws -> T) throws -> T {
        if !committedOnly, let group = GroupCommitter.currentInlineGroup, group.committer === writes {
            // Inside a write batch: read what the batch wrote so far (serial order).
            do { return try body(group.db) } catch let error as SQLiteError { throw StoreError(error) ?? error }
        }
        do {
            return try readers.withConnection { db in
                try db.execute("BEGIN")
                let result = Result { try body(db) }
                try Self.endReadTransaction(db, logger: logger)
                return try result.get()
            }
        } catch let error as SQLiteError {
            throw StoreError(error) ?? error
        }
    }

    /// Commits a reader's transaction, or rolls it back (logged) when COMMIT fails.
    static func endReadTransaction(_ db: SQLiteConnection, logger: Logger) throws {
        do {
            try db.execute("COMMIT")
        } catch {
            logger.error("reader COMMIT failed; rolling back", metadata: ["error": "\(error)"])
            if db.inTransaction { try db.execute("ROLLBACK") }
        }
    }

    private static func transaction<T>(
        _ db: SQLiteConnection, logger: Logger, _ body: @Sendable (SQLiteConnection) throws -> T
    ) throws -> T {
        try db.execute("BEGIN IMMEDIATE")
        do {
            let result = try body(db)
            try db.execute("COMMIT")
            return result
        } catch {
            if db.inTransaction {
                do { try db.execute("ROLLBACK") } catch let rollbackError {
                    logger.error("rollback failed", metadata: ["error": "\(rollbackError)"])
                }
            }
            throw error
        }
    }

    // MARK: Opening

    private static func check(_ db: SQLiteConnection, pragma: String, path: String) throws {
        let rows: [String]
        do { rows = try db.query("PRAGMA \(pragma)") { $0.text(0) } } catch let error as SQLiteError {
            throw DealerStoreError("\(path): \(pragma) failed, refusing to start: \(error.message)")
        }
        guard rows == ["ok"] else {
            throw DealerStoreError("\(path): \(pragma) failed, refusing to start: \(rows.prefix(5).joined(separator: "; "))")
        }
    }

    private static func migrate(_ db: SQLiteConnection, logger: Logger) throws {
        try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT")
        let known = Migration.all.last?.version ?? 0
        if let newest = try db.queryFirst("SELECT max(version) FROM schema_migrations", [], { $0.optionalInt64(0) }) ?? nil,
           newest > known {
            throw DealerStoreError("\(db.path): schema version \(newest) is newer than this build knows (\(known))")
        }
        for migration in Migration.all {
            let applied = try transaction(db, logger: logger) { db in
                guard try db.queryFirst("SELECT 1 FROM schema_migrations WHERE version = ?", [migration.version], { _ in true }) == nil
                else { return false }
                try db.execute(migration.sql)
                try db.run("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [migration.version, migration.name])
                return true
            }
            if applied {
                logger.notice("migration applied", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            }
        }
    }

    // MARK: Health

    /// While the writer has recorded a storage failure, schedules one probe
    /// write after `healthProbeIntervalMilliseconds` (never more than one at a
    /// time). The probe goes through the store's own writer like any write: its
    /// commit marks the store healthy, its failure schedules the next probe.
    /// It holds the store weakly, so a closed store probes no more.
    private func scheduleHealthProbeIfNeeded() {
        guard health.recordedFailure != nil,
              probeScheduled.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged
        else { return }
        let interval = DispatchTimeInterval.milliseconds(configuration.healthProbeIntervalMilliseconds)
        DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + interval) { [weak self] in
            guard let self else { return }
            self.probeScheduled.store(false, ordering: .relaxed)
            guard let problem = self.health.recordedFailure else { return }
            do {
                try self.probeWrite()
                self.logger.notice("storage writable again", metadata: ["was": "\(problem)"])
            } catch {
                self.logger.warning("storage health probe failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// A small write that needs new pages (two pages of zeros, deleted in the
    /// same transaction): it fails while the database or disk is full.
    func probeWrite() throws {
        try write { db in
            let pageSize = try db.queryFirst("PRAGMA page_size") { $0.int64(0) } ?? 4096
            try db.run("INSERT INTO health_probe (payload) VALUES (zeroblob(?))", [2 * pageSize])
            try db.run("DELETE FROM health_probe")
        }
    }

    /// Test hook: sets `PRAGMA max_page_count` on the writer connection (SQLite
    /// keeps it at least the current page count) and returns the value in force.
    /// A limit at the current size makes every write needing a new page fail
    /// with SQLITE_FULL, like a full disk.
    public func setMaxPageCountForTesting(_ pages: Int) throws -> Int {
        try writes.withWriter { db in
            Int(try db.queryFirst("PRAGMA max_page_count = \(pages)") { $0.int64(0) } ?? 0)
        }
    }

    /// The applied migration versions, oldest first.
    public func appliedMigrations() throws -> [Int] {
        try read { db in try db.query("SELECT version FROM schema_migrations ORDER BY version") { Int($0.int64(0)) } }
    }

    /// `PRAGMA integrity_check` answers "ok".
    public func integrityCheck() throws -> Bool {
        try read { db in try db.query("PRAGMA integrity_check") { $0.text(0) } == ["ok"] }
    }

    /// Every broken domain invariant found by SQL over the whole database, one line each.
    /// Empty when the data is consistent.
    public func invariantViolations() throws -> [String] {
        try read { db in
            var violations: [String] = []
            for (description, sql) in Self.invariants + Migration.registerInvariants {
                let ids = try db.query(sql) { $0.int64(0) }
                violations += ids.map { "\(description): \($0)" }
            }
            return violations
        }
    }

    /// Each query returns the ids of the rows breaking the invariant.
    private static let invariants: [(String, String)] = [
        ("account both dealer and served", "SELECT id FROM accounts WHERE is_dealer = 1 AND served_by_account_id IS NOT NULL"),
        ("account serves itself", "SELECT id FROM accounts WHERE served_by_account_id = id"),
        ("account served by an account that is not a live dealer", """
            SELECT c.id FROM accounts c LEFT JOIN accounts d ON d.id = c.served_by_account_id
            WHERE c.served_by_account_id IS NOT NULL AND (d.id IS NULL OR d.is_dealer = 0 OR d.deleted_at IS NOT NULL)
            """),
        ("deleted account still served", "SELECT id FROM accounts WHERE deleted_at IS NOT NULL AND served_by_account_id IS NOT NULL"),
        ("account is_dealer disagrees with its users' rights", """
            SELECT a.id FROM accounts a WHERE a.is_dealer <> EXISTS (SELECT 1 FROM users u
                WHERE u.account_id = a.id AND u.is_dealer = 1 AND u.disabled_at IS NULL)
            """),
        ("live account without an active admin", """
            SELECT a.id FROM accounts a WHERE a.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM users u
                WHERE u.account_id = a.id AND u.is_admin = 1 AND u.disabled_at IS NULL)
            """),
        ("client with more than one open service period", """
            SELECT client_account_id FROM service_periods WHERE ended_at IS NULL
            GROUP BY client_account_id HAVING count(*) > 1
            """),
        ("served account without its open service period", """
            SELECT a.id FROM accounts a WHERE a.served_by_account_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM service_periods p WHERE p.client_account_id = a.id AND p.ended_at IS NULL
                AND p.dealer_account_id = a.served_by_account_id AND p.started_at = a.served_since)
            """),
        ("open service period not matching served_by", """
            SELECT p.id FROM service_periods p JOIN accounts a ON a.id = p.client_account_id
            WHERE p.ended_at IS NULL AND a.served_by_account_id IS NOT p.dealer_account_id
            """),
        ("more than one pending request per client and dealer", """
            SELECT min(id) FROM service_requests WHERE status = 'pending'
            GROUP BY client_account_id, dealer_account_id HAVING count(*) > 1
            """),
        ("pending request from a served or deleted client", """
            SELECT r.id FROM service_requests r JOIN accounts c ON c.id = r.client_account_id
            WHERE r.status = 'pending' AND (c.served_by_account_id IS NOT NULL OR c.deleted_at IS NOT NULL)
            """),
        ("pending request to an account that is not a live dealer", """
            SELECT r.id FROM service_requests r JOIN accounts d ON d.id = r.dealer_account_id
            WHERE r.status = 'pending' AND (d.is_dealer = 0 OR d.deleted_at IS NOT NULL)
            """),
        ("accepted request without its service period", """
            SELECT r.id FROM service_requests r WHERE r.status = 'accepted' AND NOT EXISTS (
                SELECT 1 FROM service_periods p WHERE p.client_account_id = r.client_account_id
                AND p.dealer_account_id = r.dealer_account_id AND p.started_at = r.updated_at)
            """),
        ("live session of a disabled user or in a deleted account", """
            SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id JOIN accounts a ON a.id = s.account_id
            WHERE s.revoked_at IS NULL AND (u.disabled_at IS NOT NULL OR a.deleted_at IS NOT NULL)
            """),
        ("live session acting in another account without an impersonator", """
            SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.revoked_at IS NULL AND s.impersonator_user_id IS NULL AND u.account_id <> s.account_id
            """),
        ("live dealer-mode or LoginToClient session of a user without the dealer right", """
            SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.revoked_at IS NULL AND (s.is_dealer = 1 OR s.impersonator_user_id IS NOT NULL) AND u.is_dealer = 0
            """),
        ("live session whose parent session is revoked", """
            SELECT s.id FROM sessions s JOIN sessions p ON p.id = s.parent_session_id
            WHERE s.revoked_at IS NULL AND p.revoked_at IS NOT NULL
            """),
        ("live LoginToClient session into an account its dealer does not serve", """
            SELECT s.id FROM sessions s JOIN accounts a ON a.id = s.account_id
            WHERE s.revoked_at IS NULL AND s.impersonator_account_id IS NOT NULL
            AND a.served_by_account_id IS NOT s.impersonator_account_id
            """),
        // Audit trails (migration 6): each event links to the previous event of its account, each head is the newest.
        ("audit event not linked to its account's previous event", """
            SELECT id FROM (SELECT id, previous_for_account_id AS linked,
                                   lag(id) OVER (PARTITION BY acting_for_account_id ORDER BY id) AS previous
                            FROM audit_events WHERE acting_for_account_id IS NOT NULL)
            WHERE linked IS NOT previous
            UNION ALL
            SELECT id FROM audit_events WHERE acting_for_account_id IS NULL AND previous_for_account_id IS NOT NULL
            """),
        ("audit trail head not its account's newest event", """
            SELECT acting_for_account_id FROM audit_events WHERE acting_for_account_id IS NOT NULL
            GROUP BY acting_for_account_id
            HAVING max(id) IS NOT (SELECT last_event_id FROM audit_trail_heads WHERE account_id = acting_for_account_id)
            UNION ALL
            SELECT h.account_id FROM audit_trail_heads h WHERE NOT EXISTS (
                SELECT 1 FROM audit_events e WHERE e.id = h.last_event_id AND e.acting_for_account_id = h.account_id)
            """),
    ]
}
