import DealerStore

/// Who is calling: the session's user, the account it acts in, the rights
/// snapshot taken at login, and for a dealer's "log in to client" session
/// the dealer identity behind it.
public struct Principal: Sendable, Hashable {
    public struct Impersonator: Sendable, Hashable {
        public var userID: Int64
        public var login: String
        public var accountID: Int64
        public var accountName: String
    }

    public var sessionID: Int64
    public var userID: Int64
    public var login: String
    /// The account the session acts in (the client's, when impersonating).
    public var accountID: Int64
    public var accountName: String
    public var isAdmin: Bool
    /// Dealer mode: the rights snapshot holds `dealer`.
    public var isDealer: Bool
    public var impersonator: Impersonator?
    public var createdAt: Int64
    public var expiresAt: Int64

    init(session: SessionRecord) {
        sessionID = session.id
        userID = session.userID
        login = session.login
        accountID = session.accountID
        accountName = session.accountName
        isAdmin = session.isAdmin
        isDealer = session.isDealer
        if let userID = session.impersonatorUserID, let accountID = session.impersonatorAccountID {
            impersonator = Impersonator(
                userID: userID, login: session.impersonatorLogin ?? "", accountID: accountID,
                accountName: session.impersonatorAccountName ?? "")
        }
        createdAt = session.createdAt
        expiresAt = session.expiresAt
    }

    public var isImpersonating: Bool { impersonator != nil }

    /// The audit identity of a call made by this principal: with both
    /// identities when a dealer acts through LoginToClient.
    func audit(_ method: String) -> AuditContext {
        if let impersonator {
            return AuditContext(
                actorUserID: impersonator.userID, actorAccountID: impersonator.accountID, actingForAccountID: accountID,
                impersonatorUserID: impersonator.userID, impersonatorAccountID: impersonator.accountID, method: method)
        }
        return AuditContext(actorUserID: userID, actorAccountID: accountID, actingForAccountID: accountID, method: method)
    }
}
