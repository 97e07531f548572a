internal import CSQLite

/// A failed SQLite call: the result code and SQLite's own message.
struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The extended result code.
    var code: Int32
    var message: String
    var sql: String?

    /// Extended result codes of constraint failures (sqlite3.h's
    /// `SQLITE_CONSTRAINT_*`, spelled out: the C macros do not import into Swift).
    static let constraintCheck: Int32 = SQLITE_CONSTRAINT | (1 << 8)
    static let constraintTrigger: Int32 = SQLITE_CONSTRAINT | (7 << 8)
    static let constraintUnique: Int32 = SQLITE_CONSTRAINT | (8 << 8)

    /// True for constraint failures (CHECK, UNIQUE, FOREIGN KEY, RAISE(ABORT) in a trigger).
    var isConstraintViolation: Bool { code & 0xFF == SQLITE_CONSTRAINT }

    /// For a UNIQUE failure, the index's columns as SQLite names them
    /// (`table.column, table.column`): SQLite's message is
    /// `UNIQUE constraint failed: <columns>`, and this is the only place it is read.
    var uniqueConstraintColumns: String? {
        guard code == Self.constraintUnique, let colon = message.firstIndex(of: ":") else { return nil }
        return String(message[message.index(after: colon)...].drop(while: { $0 == " " }))
    }

    var description: String {
        "SQLite error \(code): \(message)" + (sql.map { " [\($0)]" } ?? "")
    }

    /// Turns a result code into a thrown error carrying the connection's message.
    /// The only place result codes become errors.
    static func check(_ rc: Int32, _ db: OpaquePointer?, sql: String? = nil) throws(SQLiteError) {
        guard rc != SQLITE_OK, rc != SQLITE_ROW, rc != SQLITE_DONE else { return }
        let message = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite3_errstr(rc))
        throw SQLiteError(code: rc, message: message, sql: sql)
    }
}
