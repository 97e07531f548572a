/// A cash register.
public struct CashRegisterRecord: Sendable, Hashable {
    public var id: Int64
    public var accountID: Int64
    public var organizationID: Int64
    public var groupID: Int64?
    public var model: String
    public var serialNumber: String
    public var registrationNumber: String
    public var fiscalDriveNumber: String
    public var name: String
    public var address: String
    public var createdAt: Int64
    public var updatedAt: Int64
    /// Set when removed (soft).
    public var removedAt: Int64?

    public var isRemoved: Bool { removedAt != nil }

    static let select = """
        SELECT r.id, r.account_id, r.organization_id, r.group_id, r.model, r.serial_number, r.registration_number,
               r.fiscal_drive_number, r.name, r.address, r.created_at, r.updated_at, r.removed_at
        FROM registers r
        """

    init(row: SQLiteStatement) {
        id = row.int64(0)
        accountID = row.int64(1)
        organizationID = row.int64(2)
        groupID = row.optionalInt64(3)
        model = row.text(4)
        serialNumber = row.text(5)
        registrationNumber = row.text(6)
        fiscalDriveNumber = row.text(7)
        name = row.text(8)
        address = row.text(9)
        createdAt = row.int64(10)
        updatedAt = row.int64(11)
        removedAt = row.optionalInt64(12)
    }
}
