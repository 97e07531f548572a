/// Who makes a write call, recorded with it in `audit_events` in the same transaction.
public struct AuditContext: Sendable, Hashable {
    /// The calling user and its own account. Nil before they exist (SignUp, Login):
    /// the store then records the user and account the call created or used.
    public var actorUserID: Int64?
    public var actorAccountID: Int64?
    /// The account the call acts in: whose audit trail shows it.
    public var actingForAccountID: Int64?
    /// For calls made through a LoginToClient session: the dealer user and account.
    public var impersonatorUserID: Int64?
    public var impersonatorAccountID: Int64?
    /// The RPC method name.
    public var method: String

    public init(
        actorUserID: Int64? = nil, actorAccountID: Int64? = nil, actingForAccountID: Int64? = nil,
        impersonatorUserID: Int64? = nil, impersonatorAccountID: Int64? = nil, method: String
    ) {
        self.actorUserID = actorUserID
        self.actorAccountID = actorAccountID
        self.actingForAccountID = actingForAccountID
        self.impersonatorUserID = impersonatorUserID
        self.impersonatorAccountID = impersonatorAccountID
        self.method = method
    }

    /// Fills the identities that are still unknown.
    func filling(userID: Int64, accountID: Int64) -> AuditContext {
        var filled = self
        filled.actorUserID = actorUserID ?? userID
        filled.actorAccountID = actorAccountID ?? accountID
        filled.actingForAccountID = actingForAccountID ?? accountID
        return filled
    }
}
