/// An organization (company or individual entrepreneur) that owns registers.
public struct OrganizationRecord: Sendable, Hashable {
    public var id: Int64
    public var accountID: Int64
    public var name: String
    public var inn: String
    /// Nil when not given (always nil with a 12-digit INN).
    public var kpp: String?
    public var createdAt: Int64
    public var updatedAt: Int64
    /// Active registers it owns.
    public var registerCount: Int

    static let select = """
        SELECT o.id, o.account_id, o.name, o.inn, o.kpp, o.created_at, o.updated_at,
               (SELECT count(*) FROM registers r WHERE r.organization_id = o.id AND r.removed_at IS NULL)
        FROM organizations o
        """

    init(row: SQLiteStatement) {
        id = row.int64(0)
        accountID = row.int64(1)
        name = row.text(2)
        inn = row.text(3)
        kpp = row.optionalText(4)
        createdAt = row.int64(5)
        updatedAt = row.int64(6)
        registerCount = Int(row.int64(7))
    }
}
