/// A user of an account. The password hash is never part of it (see `LoginCredentials`).
public struct UserRecord: Sendable, Hashable {
    public var id: Int64
    public var accountID: Int64
    public var login: String
    public var isAdmin: Bool
    public var isDealer: Bool
    public var createdAt: Int64
    /// Set when the user was deleted (disabled).
    public var disabledAt: Int64?

    public var isDisabled: Bool { disabledAt != nil }

    /// Columns read by `init(row:at:)`, for a table aliased `u`.
    static let columns = "u.id, u.account_id, u.login, u.is_admin, u.is_dealer, u.created_at, u.disabled_at"
    static let columnCount: Int32 = 7

    init(row: SQLiteStatement, at first: Int32 = 0) {
        id = row.int64(first)
        accountID = row.int64(first + 1)
        login = row.text(first + 2)
        isAdmin = row.bool(first + 3)
        isDealer = row.bool(first + 4)
        createdAt = row.int64(first + 5)
        disabledAt = row.optionalInt64(first + 6)
    }
}
