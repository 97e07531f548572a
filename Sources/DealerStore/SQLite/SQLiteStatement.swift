internal import CSQLite

/// Owns one prepared `sqlite3_stmt*`, finalized exactly once in `deinit`.
/// While a query runs, the statement is also the current row: read columns by index.
final class SQLiteStatement {
    private let handle: OpaquePointer
    let sql: String

    /// SQLite copies bound text and blobs before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(connection db: OpaquePointer, sql: String) throws(SQLiteError) {
        var statement: OpaquePointer?
        try SQLiteError.check(sqlite3_prepare_v2(db, sql, -1, &statement, nil), db, sql: sql)
        guard let statement else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "empty statement", sql: sql)
        }
        self.handle = statement
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    private var db: OpaquePointer? { sqlite3_db_handle(handle) }

    func bind(_ values: [any SQLValueConvertible]) throws(SQLiteError) {
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard values.count == expected else {
            throw SQLiteError(code: SQLITE_RANGE, message: "\(values.count) values for \(expected) parameters", sql: sql)
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value.sqlValue {
            case .null:
                rc = sqlite3_bind_null(handle, index)
            case .integer(let int):
                rc = sqlite3_bind_int64(handle, index, int)
            case .text(let text):
                let chars = text.utf8CString
                rc = chars.withUnsafeBufferPointer {
                    sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count - 1), Self.transient)
                }
            case .blob(let bytes) where bytes.isEmpty:
                rc = sqlite3_bind_zeroblob(handle, index, 0)
            case .blob(let bytes):
                rc = bytes.withUnsafeBytes {
                    sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), Self.transient)
                }
            }
            try SQLiteError.check(rc, db, sql: sql)
        }
    }

    /// Advances to the next row; false when done.
    func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        try SQLiteError.check(rc, db, sql: sql)
        return rc == SQLITE_ROW
    }

    /// Makes the statement reusable and drops its bindings.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Columns of the current row

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }

    func bool(_ column: Int32) -> Bool { int64(column) != 0 }

    func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    func blob(_ column: Int32) -> [UInt8] {
        guard let pointer = sqlite3_column_blob(handle, column) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
