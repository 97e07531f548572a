
/// Accounts, users and sessions (the Auth service's storage).
extension DealerStore {
    /// Creates an enterprise account and its first user, with `admin`.
    /// ALREADY_EXISTS `LOGIN_TAKEN` if the login is in use (case-insensitively).
    public func signUp(accountName: String, login: String, passwordHash: String, now: Int64, audit: AuditContext) throws -> NewAccount {
        try write { db in
            try db.requireLoginFree(login)
            let accountID = try db.insertAccount(name: accountName, servedBy: nil, now: now)
            let admin = try db.insertUser(accountID: accountID, login: login, passwordHash: passwordHash, isAdmin: true, isDealer: false, now: now)
            try db.insertAudit(audit.filling(userID: admin.id, accountID: accountID), object: "account:\(accountID)", now: now)
            return NewAccount(account: try db.account(accountID)!, admin: admin)
        }
    }

    /// The user, its account and its password hash for a login (case-insensitive), or nil.
    /// Disabled users and deleted accounts are returned too: the caller decides.
    public func credentials(forLogin login: String) throws -> LoginCredentials? {
        try read { db in
            try db.queryFirst("""
                SELECT \(UserRecord.columns), \(AccountRecord.columns), u.password_hash
                FROM users u JOIN accounts a ON a.id = u.account_id WHERE u.login = ?
                """, [login]) { row in
                LoginCredentials(
                    user: UserRecord(row: row),
                    account: AccountRecord(row: row, at: UserRecord.columnCount),
                    passwordHash: row.text(UserRecord.columnCount + AccountRecord.columnCount))
            }
        }
    }

    /// Opens a session for a user in its own account, snapshotting its current rights.
    ///
    /// `verifiedPasswordHash` is the stored hash the caller checked the password
    /// against: the session is opened only if it is still the user's hash when
    /// this transaction runs, so a login racing a password change never yields a
    /// session that outlives the change (the change commits either first, and
    /// this throws, or after, and revokes this session). Rights are read here
    /// too, in the same transaction, so a racing rights change is seen the same way.
    ///
    /// `invalidCredentials` if the user is unknown or disabled or its password
    /// changed; `loginAccountDeleted` if its account was deleted.
    public func createSession(
        userID: Int64, verifiedPasswordHash: String, tokenHash: [UInt8], now: Int64, expiresAt: Int64, audit: AuditContext
    ) throws -> SessionRecord {
        try write { db in
            guard let user = try db.user(userID), !user.isDisabled,
                  try db.queryFirst("SELECT password_hash FROM users WHERE id = ?", [userID], { $0.text(0) }) == verifiedPasswordHash
            else {
                throw StoreError.invalidCredentials
            }
            guard let account = try db.account(user.accountID), !account.isDeleted else {
                throw StoreError.loginAccountDeleted
            }
            let session = try db.insertSession(
                tokenHash: tokenHash, userID: user.id, accountID: account.id, isAdmin: user.isAdmin, isDealer: user.isDealer,
                impersonator: nil, now: now, expiresAt: expiresAt)
            try db.insertAudit(audit.filling(userID: user.id, accountID: account.id), object: "user:\(user.id)", now: now)
            return session
        }
    }

    /// The session with this token hash, whatever its state (check `isActive(now:)`), or nil.
    public func session(tokenHash: [UInt8]) throws -> SessionRecord? {
        // Committed state only, also inside a write batch: what a caller may cache.
        try read(committedOnly: true) { db in
            try db.queryFirst("\(SessionRecord.select) WHERE s.token_hash = ?", [tokenHash]) { SessionRecord(row: $0) }
        }
    }

    /// Records activity on a live session. Returns false if it is revoked or unknown.
    @discardableResult
    public func touchSession(id: Int64, now: Int64) throws -> Bool {
        try write { db in
            try db.run("UPDATE sessions SET last_seen_at = max(last_seen_at, ?) WHERE id = ? AND revoked_at IS NULL", [now, id]) == 1
        }
    }

    /// Revokes one session (Logout). Returns false if it was already revoked or unknown.
    @discardableResult
    public func revokeSession(id: Int64, now: Int64, audit: AuditContext) throws -> Bool {
        try write { db in
            let revoked = try db.run("UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [now, id]) == 1
            if revoked { try db.insertAudit(audit, object: "session:\(id)", now: now) }
            return revoked
        }
    }

    /// Replaces a user's password hash and revokes all its other sessions; returns how many.
    public func changePassword(userID: Int64, newPasswordHash: String, keepSessionID: Int64?, now: Int64, audit: AuditContext) throws -> Int {
        try write { db in
            guard let user = try db.user(userID), !user.isDisabled else { throw StoreError.userNotFound }
            try db.run("UPDATE users SET password_hash = ? WHERE id = ?", [newPasswordHash, user.id])
            let revoked = try db.run(
                "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND id IS NOT ?",
                [now, user.id, keepSessionID])
            try db.insertAudit(audit, object: "user:\(user.id)", now: now)
            return revoked
        }
    }

    /// The account's users (deleted ones included, with `disabledAt`), by id.
    public func listUsers(accountID: Int64, cursor: Int64?, limit: Int) throws -> Page<UserRecord> {
        let limit = SQLiteConnection.pageSize(limit)
        return try read { db in
            let rows = try db.query(
                "SELECT \(UserRecord.columns) FROM users u WHERE u.account_id = ? AND u.id > ? ORDER BY u.id LIMIT ?",
                [accountID, cursor ?? 0, limit + 1]) { UserRecord(row: $0) }
            return Page(fetched: rows, limit: limit) { $0.id }
        }
    }

    /// The user `userID` of `accountID` (disabled ones too), or nil — also for
    /// a user of another account, so callers never learn it exists.
    public func user(accountID: Int64, userID: Int64) throws -> UserRecord? {
        try read { db in
            guard let user = try db.user(userID), user.accountID == accountID else { return nil }
            return user
        }
    }

    /// Adds a user to an account. ALREADY_EXISTS `LOGIN_TAKEN`; granting `dealer` in an
    /// account served by a dealer is FAILED_PRECONDITION `ACCOUNT_SERVED_BY_DEALER`.
    public func createUser(
        accountID: Int64, login: String, passwordHash: String, isAdmin: Bool, isDealer: Bool, now: Int64, audit: AuditContext
    ) throws -> UserRecord {
        try write { db in
            let account = try db.liveAccount(accountID)
            if isDealer, account.servedByAccountID != nil { throw StoreError.accountServedByDealer }
            let user = try db.insertUser(accountID: accountID, login: login, passwordHash: passwordHash, isAdmin: isAdmin, isDealer: isDealer, now: now)
            try db.insertAudit(audit, object: "user:\(user.id)", now: now)
            return user
        }
    }

    /// Sets a user's rights and revokes all its sessions (new rights apply at the next login),
    /// its LoginToClient sessions included: they are children of its revoked dealer
    /// sessions. Returns the number revoked.
    ///
    /// NOT_FOUND `USER_NOT_FOUND` for a user outside `accountID`; FAILED_PRECONDITION
    /// `ACCOUNT_SERVED_BY_DEALER`, `DEALER_SERVES_CLIENTS` or `LAST_ADMIN`. When the account
    /// stops being a dealer, its pending incoming requests are closed.
    public func setUserRights(accountID: Int64, userID: Int64, isAdmin: Bool, isDealer: Bool, now: Int64, audit: AuditContext) throws -> Int {
        try changeUserRights(accountID: accountID, userID: userID, isAdmin: isAdmin, isDealer: isDealer, now: now, audit: audit)
            .revokedSessions
    }

    /// `setUserRights`, also returning the user as this write committed it: read inside
    /// its transaction, so the caller needs no read transaction of its own afterwards.
    public func changeUserRights(
        accountID: Int64, userID: Int64, isAdmin: Bool, isDealer: Bool, now: Int64, audit: AuditContext
    ) throws -> (user: UserRecord, revokedSessions: Int) {
        try write { db in
            let user = try db.activeUser(userID, in: accountID)
            let revoked = try changeUser(user, isAdmin: isAdmin, isDealer: isDealer, disable: false, db: db, now: now)
            try db.insertAudit(audit, object: "user:\(userID)", now: now)
            var changed = user  // the row as changeUser left it, without reading it back
            changed.isAdmin = isAdmin
            changed.isDealer = isDealer
            return (changed, revoked)
        }
    }

    /// Disables a user and revokes all its sessions; returns how many. Same refusals and
    /// dealer consequences as removing its rights.
    public func deleteUser(accountID: Int64, userID: Int64, now: Int64, audit: AuditContext) throws -> Int {
        try write { db in
            let user = try db.activeUser(userID, in: accountID)
            let revoked = try changeUser(user, isAdmin: user.isAdmin, isDealer: user.isDealer, disable: true, db: db, now: now)
            try db.insertAudit(audit, object: "user:\(userID)", now: now)
            return revoked
        }
    }

    private func changeUser(_ user: UserRecord, isAdmin: Bool, isDealer: Bool, disable: Bool, db: SQLiteConnection, now: Int64) throws -> Int {
        let account = try db.liveAccount(user.accountID)
        let keepsAdmin = isAdmin && !disable, keepsDealer = isDealer && !disable
        if keepsDealer, !user.isDealer, account.servedByAccountID != nil { throw StoreError.accountServedByDealer }
        func others(_ right: String) throws -> Bool {
            try db.queryFirst(
                "SELECT 1 FROM users WHERE account_id = ? AND id <> ? AND \(right) = 1 AND disabled_at IS NULL",
                [user.accountID, user.id]) { _ in true } != nil
        }
        if user.isAdmin, !keepsAdmin, try !others("is_admin") { throw StoreError.lastAdmin }
        let lostDealer = user.isDealer && !keepsDealer
        if lostDealer, try !others("is_dealer") {
            if try db.queryFirst("SELECT 1 FROM accounts WHERE served_by_account_id = ?", [account.id], { _ in true }) != nil {
                throw StoreError.dealerServesClients
            }
            // Requests past their expiry become 'expired', not 'closed'. Only this
            // branch touches requests, so only it needs the sweep.
            try db.expirePendingRequests(now: now)
            try db.run(
                "UPDATE service_requests SET status = 'closed', updated_at = ? WHERE dealer_account_id = ? AND status = 'pending'",
                [now, account.id])
        }
        if keepsDealer != user.isDealer || disable {
            try db.run(
                "UPDATE users SET is_admin = ?, is_dealer = ?, disabled_at = ? WHERE id = ?",
                [isAdmin, isDealer, disable ? now : nil, user.id])
        } else {
            // Neither is_dealer nor disabled_at in the SET list: the trigger that
            // derives accounts.is_dealer does not rewrite the account row, which
            // would drop every cached session of the account (SessionCache).
            try db.run("UPDATE users SET is_admin = ? WHERE id = ?", [isAdmin, user.id])
        }
        return try db.run("UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", [now, user.id])
    }
}
