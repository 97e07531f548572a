/// One recorded call, with the identities behind it named.
public struct AuditEventRecord: Sendable, Hashable {
    public var id: Int64
    public var at: Int64
    public var actorUserID: Int64?
    public var actorLogin: String?
    public var actorAccountID: Int64?
    public var actorAccountName: String?
    public var actingForAccountID: Int64?
    public var impersonatorUserID: Int64?
    public var impersonatorLogin: String?
    public var impersonatorAccountID: Int64?
    public var impersonatorAccountName: String?
    public var method: String
    /// The object acted on, as `kind:id` (e.g. `request:12`).
    public var object: String
    /// `OK` (`AuditEventRecord.ok`), or the failure reason for calls audited after failing.
    public var result: String

    /// The result of a call that succeeded, exactly as proto/common/v1/types.proto says.
    public static let ok = "OK"

    static let select = """
        SELECT e.id, e.at, e.actor_user_id, au.login, e.actor_account_id, aa.name, e.acting_for_account_id,
               e.impersonator_user_id, iu.login, e.impersonator_account_id, ia.name, e.method, e.object, e.result
        FROM audit_events e
        LEFT JOIN users au ON au.id = e.actor_user_id
        LEFT JOIN accounts aa ON aa.id = e.actor_account_id
        LEFT JOIN users iu ON iu.id = e.impersonator_user_id
        LEFT JOIN accounts ia ON ia.id = e.impersonator_account_id
        """

    init(row: SQLiteStatement) {
        id = row.int64(0)
        at = row.int64(1)
        actorUserID = row.optionalInt64(2)
        actorLogin = row.optionalText(3)
        actorAccountID = row.optionalInt64(4)
        actorAccountName = row.optionalText(5)
        actingForAccountID = row.optionalInt64(6)
        impersonatorUserID = row.optionalInt64(7)
        impersonatorLogin = row.optionalText(8)
        impersonatorAccountID = row.optionalInt64(9)
        impersonatorAccountName = row.optionalText(10)
        method = row.text(11)
        object = row.text(12)
        result = row.text(13)
    }
}
