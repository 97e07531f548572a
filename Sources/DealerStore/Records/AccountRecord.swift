/// An enterprise account.
public struct AccountRecord: Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var createdAt: Int64
    /// Set when the account was deleted (soft delete).
    public var deletedAt: Int64?
    /// True while at least one active user of the account holds the dealer right.
    public var isDealer: Bool
    /// The dealer serving this account, if any, and since when.
    public var servedByAccountID: Int64?
    public var servedSince: Int64?

    public var isDeleted: Bool { deletedAt != nil }

    /// Columns read by `init(row:at:)`, for a table aliased `a`.
    static let columns = "a.id, a.name, a.created_at, a.deleted_at, a.is_dealer, a.served_by_account_id, a.served_since"
    static let columnCount: Int32 = 7

    init(row: SQLiteStatement, at first: Int32 = 0) {
        id = row.int64(first)
        name = row.text(first + 1)
        createdAt = row.int64(first + 2)
        deletedAt = row.optionalInt64(first + 3)
        isDealer = row.bool(first + 4)
        servedByAccountID = row.optionalInt64(first + 5)
        servedSince = row.optionalInt64(first + 6)
    }
}
