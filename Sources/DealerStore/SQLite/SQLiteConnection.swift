internal import CSQLite

/// Owns one `sqlite3*` handle, closed exactly once in `deinit`, and a cache of its
/// prepared statements. Not thread-safe: the store only reaches it through a `Mutex`.
final class SQLiteConnection {
    private let handle: OpaquePointer
    private var statements: [String: SQLiteStatement] = [:]
    /// Set by `recordIdentityChanges()` (the writer connection only).
    private var changeRecorder: SQLiteChangeRecorder?
    let path: String

    /// Opens `path` through the named SQLite VFS (nil: the default one).
    init(path: String, vfs: String? = nil) throws(SQLiteError) {
        _ = Self.processConfiguration
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, vfs)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(db)
            throw SQLiteError(code: rc, message: "cannot open \(path): \(message)", sql: nil)
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
    }

    /// Process-wide SQLite settings, applied once before the first connection opens.
    private static let processConfiguration: Void = {
        _ = dealer_sqlite3_disable_memory_statistics()
    }()

    deinit {
        if changeRecorder != nil { sqlite3_update_hook(handle, nil, nil) }
        statements.removeAll()  // finalize every statement before closing
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that take no parameters (pragmas, DDL, BEGIN/COMMIT).
    func execute(_ sql: String) throws(SQLiteError) {
        try SQLiteError.check(sqlite3_exec(handle, sql, nil, nil, nil), handle, sql: sql)
    }

    /// Runs a statement with bound values; returns the number of rows it changed.
    @discardableResult
    func run(_ sql: String, _ values: [any SQLValueConvertible] = []) throws -> Int {
        try withStatement(sql, values) { statement in
            while try statement.step() {}
        }
        return Int(sqlite3_changes(handle))
    }

    /// Runs a query with bound values and maps every row.
    func query<T>(
        _ sql: String, _ values: [any SQLValueConvertible] = [],
        _ row: (SQLiteStatement) throws -> T
    ) throws -> [T] {
        try withStatement(sql, values) { statement in
            var rows: [T] = []
            while try statement.step() { rows.append(try row(statement)) }
            return rows
        }
    }

    /// The first row of a query, if any.
    func queryFirst<T>(
        _ sql: String, _ values: [any SQLValueConvertible] = [],
        _ row: (SQLiteStatement) throws -> T
    ) throws -> T? {
        try withStatement(sql, values) { statement in try statement.step() ? row(statement) : nil }
    }

    /// From now on, records which `sessions`, `users` and `accounts` rows this
    /// connection updates or deletes; `takeIdentityChanges()` hands them over.
    func recordIdentityChanges() {
        guard changeRecorder == nil else { return }
        let recorder = SQLiteChangeRecorder()
        recorder.install(on: handle)
        changeRecorder = recorder
    }

    /// The identity rows changed since the last call (empty when not recording).
    func takeIdentityChanges() -> IdentityRowChanges {
        changeRecorder?.take() ?? IdentityRowChanges()
    }

    /// The rowid of the last INSERT on this connection.
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// True while a transaction is open.
    var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    private func withStatement<T>(
        _ sql: String, _ values: [any SQLValueConvertible],
        _ body: (SQLiteStatement) throws -> T
    ) throws -> T {
        let statement: SQLiteStatement
        if let cached = statements[sql] {
            statement = cached
        } else {
            statement = try SQLiteStatement(connection: handle, sql: sql)
            statements[sql] = statement
        }
        defer { statement.reset() }
        try statement.bind(values)
        return try body(statement)
    }
}

extension SQLiteConnection {
    /// How long to wait for another connection's lock before failing with SQLITE_BUSY.
    func setBusyTimeout(milliseconds: Int) throws(SQLiteError) {
        try SQLiteError.check(sqlite3_busy_timeout(handle, Int32(clamping: milliseconds)), handle)
    }
}
