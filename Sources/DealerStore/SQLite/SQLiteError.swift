internal import CSQLite

/// A failed SQLite call: the result code and SQLite's own message.
struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The extended result code.
    var code: Int32
    var message: String
    var sql: String?

    /// True for constraint failures (CHECK, UNIQUE, FOREIGN KEY, RAISE(ABORT) in a trigger).
    var isConstraintViolation: Bool { code & 0xFF == SQLITE_CONSTRAINT }

    var description: String {
        "SQLite error \(code): \(message)" + (sql.map { " [\($0)]" } ?? "")
    }

    /// Turns a result code into a thrown error carrying the connection's message.
    /// The only place result codes are interpreted.
    static func check(_ rc: Int32, _ db: OpaquePointer?, sql: String? = nil) throws(SQLiteError) {
        guard rc != SQLITE_OK, rc != SQLITE_ROW, rc != SQLITE_DONE else { return }
        let message = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite3_errstr(rc))
        throw SQLiteError(code: rc, message: message, sql: sql)
    }
}
