/// A group of registers inside an account (a store, a point of sale).
public struct RegisterGroupRecord: Sendable, Hashable {
    public var id: Int64
    public var accountID: Int64
    public var name: String
    /// Registers in the group now.
    public var registerCount: Int
    public var createdAt: Int64

    static let select = """
        SELECT g.id, g.account_id, g.name, (SELECT count(*) FROM registers r WHERE r.group_id = g.id), g.created_at
        FROM register_groups g
        """

    init(row: SQLiteStatement) {
        id = row.int64(0)
        accountID = row.int64(1)
        name = row.text(2)
        registerCount = Int(row.int64(3))
        createdAt = row.int64(4)
    }
}
