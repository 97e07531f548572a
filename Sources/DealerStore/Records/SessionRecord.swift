/// A session and everything needed to turn it into a principal.
public struct SessionRecord: Sendable, Hashable {
    public var id: Int64
    public var userID: Int64
    public var login: String
    /// The account the session acts in (the client's, for a LoginToClient session).
    public var accountID: Int64
    public var accountName: String
    /// Rights snapshot taken at login.
    public var isAdmin: Bool
    public var isDealer: Bool
    /// For a dealer's LoginToClient session: the dealer user and account behind it.
    public var impersonatorUserID: Int64?
    public var impersonatorLogin: String?
    public var impersonatorAccountID: Int64?
    public var impersonatorAccountName: String?
    public var createdAt: Int64
    public var lastSeenAt: Int64
    /// Absolute expiry.
    public var expiresAt: Int64
    public var revokedAt: Int64?
    /// The session's user has been deleted since.
    public var userDisabled: Bool
    /// The acting account has been deleted since.
    public var accountDeleted: Bool
    /// For a LoginToClient session: the dealer session it was opened from,
    /// which it never outlives (nil for sessions opened before schema 3).
    public var parent: Parent?

    /// The state of a parent session, read with its child.
    public struct Parent: Sendable, Hashable {
        public var id: Int64
        public var lastSeenAt: Int64
        public var expiresAt: Int64
        public var revokedAt: Int64?
    }

    public var isImpersonation: Bool { impersonatorUserID != nil }

    /// Usable at `now`, before any idle-time policy of the caller: not revoked,
    /// expired or orphaned, and neither is its parent session.
    public func isActive(now: Int64) -> Bool {
        revokedAt == nil && now < expiresAt && !userDisabled && !accountDeleted
            && parent.map { $0.revokedAt == nil && now < $0.expiresAt } ?? true
    }

    /// The last use of this session and, for a child session, of its parent:
    /// the earlier of the two, so an idle parent ends its child too.
    public var idleSince: Int64 { min(lastSeenAt, parent?.lastSeenAt ?? lastSeenAt) }

    static let select = """
        SELECT s.id, s.user_id, u.login, s.account_id, a.name, s.is_admin, s.is_dealer,
               s.impersonator_user_id, iu.login, s.impersonator_account_id, ia.name,
               s.created_at, s.last_seen_at, s.expires_at, s.revoked_at,
               u.disabled_at IS NOT NULL, a.deleted_at IS NOT NULL,
               ps.id, ps.last_seen_at, ps.expires_at, ps.revoked_at
        FROM sessions s
        JOIN users u ON u.id = s.user_id
        JOIN accounts a ON a.id = s.account_id
        LEFT JOIN users iu ON iu.id = s.impersonator_user_id
        LEFT JOIN accounts ia ON ia.id = s.impersonator_account_id
        LEFT JOIN sessions ps ON ps.id = s.parent_session_id
        """

    init(row: SQLiteStatement) {
        id = row.int64(0)
        userID = row.int64(1)
        login = row.text(2)
        accountID = row.int64(3)
        accountName = row.text(4)
        isAdmin = row.bool(5)
        isDealer = row.bool(6)
        impersonatorUserID = row.optionalInt64(7)
        impersonatorLogin = row.optionalText(8)
        impersonatorAccountID = row.optionalInt64(9)
        impersonatorAccountName = row.optionalText(10)
        createdAt = row.int64(11)
        lastSeenAt = row.int64(12)
        expiresAt = row.int64(13)
        revokedAt = row.optionalInt64(14)
        userDisabled = row.bool(15)
        accountDeleted = row.bool(16)
        parent = row.optionalInt64(17).map {
            Parent(id: $0, lastSeenAt: row.int64(18), expiresAt: row.int64(19), revokedAt: row.optionalInt64(20))
        }
    }
}
