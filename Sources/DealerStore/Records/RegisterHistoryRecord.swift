/// One change of a register's account, group or organization.
public struct RegisterHistoryRecord: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case added
        case groupChanged = "group_changed"
        case organizationChanged = "organization_changed"
        case transferred
        case removed
    }

    public var id: Int64
    public var registerID: Int64
    public var at: Int64
    public var kind: Kind
    public var from: RegisterPosition?
    public var to: RegisterPosition
    public var userID: Int64?
    public var userLogin: String?
    /// The account the user belongs to.
    public var userAccountID: Int64?
    public var impersonatorUserID: Int64?
    public var impersonatorLogin: String?
    public var impersonatorAccountID: Int64?
    public var impersonatorAccountName: String?
    public var operationID: String?
    public var transferID: Int64?

    static let select = """
        SELECT h.id, h.register_id, h.at, h.kind, h.from_account_id, h.from_group_id, h.from_organization_id,
               h.to_account_id, h.to_group_id, h.to_organization_id, h.user_id, u.login,
               h.impersonator_user_id, iu.login, h.impersonator_account_id, ia.name, t.operation_id, h.transfer_id,
               u.account_id
        FROM register_history h
        LEFT JOIN users u ON u.id = h.user_id
        LEFT JOIN users iu ON iu.id = h.impersonator_user_id
        LEFT JOIN accounts ia ON ia.id = h.impersonator_account_id
        LEFT JOIN register_transfers t ON t.id = h.transfer_id
        """

    init(row: SQLiteStatement) throws {
        id = row.int64(0)
        registerID = row.int64(1)
        at = row.int64(2)
        let rawKind = row.text(3)
        guard let kind = Kind(rawValue: rawKind) else {
            throw DealerStoreError("unknown history kind '\(rawKind)' in register history \(id)")
        }
        self.kind = kind
        from = row.optionalInt64(4).map {
            RegisterPosition(accountID: $0, groupID: row.optionalInt64(5), organizationID: row.int64(6))
        }
        to = RegisterPosition(accountID: row.int64(7), groupID: row.optionalInt64(8), organizationID: row.int64(9))
        userID = row.optionalInt64(10)
        userLogin = row.optionalText(11)
        impersonatorUserID = row.optionalInt64(12)
        impersonatorLogin = row.optionalText(13)
        impersonatorAccountID = row.optionalInt64(14)
        impersonatorAccountName = row.optionalText(15)
        operationID = row.optionalText(16)
        transferID = row.optionalInt64(17)
        userAccountID = row.optionalInt64(18)
    }
}
