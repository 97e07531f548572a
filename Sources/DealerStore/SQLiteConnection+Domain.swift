
/// Reads and writes shared by the store's operations. Each runs inside the caller's
/// transaction, so a check followed by a write sees no concurrent change.
extension SQLiteConnection {
    static let maxPageSize = 500

    /// Clamps a caller's page size.
    static func pageSize(_ limit: Int) -> Int { min(max(limit, 1), maxPageSize) }

    func account(_ id: Int64) throws -> AccountRecord? {
        try queryFirst("SELECT \(AccountRecord.columns) FROM accounts a WHERE a.id = ?", [id]) { AccountRecord(row: $0) }
    }

    func user(_ id: Int64) throws -> UserRecord? {
        try queryFirst("SELECT \(UserRecord.columns) FROM users u WHERE u.id = ?", [id]) { UserRecord(row: $0) }
    }

    /// The user if it is an active member of `accountID`; NOT_FOUND otherwise, whether
    /// or not it exists elsewhere.
    func activeUser(_ id: Int64, in accountID: Int64) throws -> UserRecord {
        guard let user = try user(id), user.accountID == accountID, !user.isDisabled else { throw StoreError.userNotFound }
        return user
    }

    /// The live account; ACCOUNT_DELETED if deleted.
    func liveAccount(_ id: Int64) throws -> AccountRecord {
        guard let account = try account(id), !account.isDeleted else { throw StoreError.accountDeleted }
        return account
    }

    /// The account if it currently works as a dealer; DEALER_MODE_REQUIRED otherwise.
    func dealerAccount(_ id: Int64) throws -> AccountRecord {
        guard let account = try account(id), account.isDealer, !account.isDeleted else { throw StoreError.dealerModeRequired }
        return account
    }

    func session(id: Int64) throws -> SessionRecord? {
        try queryFirst("\(SessionRecord.select) WHERE s.id = ?", [id]) { SessionRecord(row: $0) }
    }

    /// A request with its effective status at `now`.
    func request(_ id: Int64, now: Int64) throws -> ServiceRequestRecord? {
        try queryFirst("\(ServiceRequestRecord.select) WHERE r.id = ?2", [now, id]) { try ServiceRequestRecord(row: $0) }
    }

    func requireLoginFree(_ login: String) throws {
        if try queryFirst("SELECT 1 FROM users WHERE login = ?", [login], { _ in true }) != nil { throw StoreError.loginTaken }
    }

    /// Turns every pending request whose time is up into 'expired'. Run first in each
    /// write transaction that touches requests.
    func expirePendingRequests(now: Int64) throws {
        try run("UPDATE service_requests SET status = 'expired', updated_at = expires_at WHERE status = 'pending' AND expires_at <= ?", [now])
    }

    func insertAccount(name: String, servedBy dealerID: Int64?, now: Int64) throws -> Int64 {
        try run(
            "INSERT INTO accounts (name, created_at, served_by_account_id, served_since) VALUES (?, ?, ?, ?)",
            [name, now, dealerID, dealerID == nil ? nil : now])
        let id = lastInsertRowID
        if let dealerID { try openServicePeriod(client: id, dealer: dealerID, now: now) }
        return id
    }

    func insertUser(accountID: Int64, login: String, passwordHash: String, isAdmin: Bool, isDealer: Bool, now: Int64) throws -> UserRecord {
        try requireLoginFree(login)
        try run(
            "INSERT INTO users (account_id, login, password_hash, is_admin, is_dealer, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [accountID, login, passwordHash, isAdmin, isDealer, now])
        return try user(lastInsertRowID)!
    }

    /// Inserts a session and returns it as read back.
    func insertSession(
        tokenHash: [UInt8], userID: Int64, accountID: Int64, isAdmin: Bool, isDealer: Bool,
        impersonator: (userID: Int64, accountID: Int64)?, parentSessionID: Int64? = nil, now: Int64, expiresAt: Int64
    ) throws -> SessionRecord {
        guard tokenHash.count == 32 else { throw StoreError.invalidTokenHash }
        try run("""
            INSERT INTO sessions (token_hash, user_id, account_id, is_admin, is_dealer, created_at, last_seen_at,
                                  expires_at, impersonator_user_id, impersonator_account_id, parent_session_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [tokenHash, userID, accountID, isAdmin, isDealer, now, now, expiresAt, impersonator?.userID, impersonator?.accountID,
             parentSessionID])
        return try session(id: lastInsertRowID)!
    }

    /// Marks the client served by the dealer (the account first, as the schema requires).
    func startService(client: Int64, dealer: Int64, now: Int64) throws {
        try run("UPDATE accounts SET served_by_account_id = ?, served_since = ? WHERE id = ?", [dealer, now, client])
        try openServicePeriod(client: client, dealer: dealer, now: now)
    }

    private func openServicePeriod(client: Int64, dealer: Int64, now: Int64) throws {
        try run("INSERT INTO service_periods (client_account_id, dealer_account_id, started_at) VALUES (?, ?, ?)", [client, dealer, now])
    }

    /// Ends the client's service (the period first, as the schema requires). A clock that
    /// stepped back ends the period at its start rather than before it.
    func endService(client: Int64, reason: String, now: Int64) throws {
        try run(
            "UPDATE service_periods SET ended_at = max(?, started_at), end_reason = ? WHERE client_account_id = ? AND ended_at IS NULL",
            [now, reason, client])
        try run("UPDATE accounts SET served_by_account_id = NULL, served_since = NULL WHERE id = ?", [client])
    }

    /// Sets a pending request's final status.
    func finish(request id: Int64, status: RequestStatus, rejectReason: String? = nil, now: Int64) throws {
        try run(
            "UPDATE service_requests SET status = ?, reject_reason = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
            [status.rawValue, rejectReason, now, id])
    }

    /// Appends an event to the audit log and, when it acts for an account, to that
    /// account's trail: it links to the trail's newest event and becomes the newest
    /// (migration 6). The only place events are inserted.
    func insertAudit(_ context: AuditContext, object: String, result: String = AuditEventRecord.ok, now: Int64) throws {
        try run("""
            INSERT INTO audit_events (at, actor_user_id, actor_account_id, acting_for_account_id,
                                      impersonator_user_id, impersonator_account_id, method, object, result,
                                      previous_for_account_id)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, (SELECT last_event_id FROM audit_trail_heads WHERE account_id = ?4))
            """,
            [now, context.actorUserID, context.actorAccountID, context.actingForAccountID,
             context.impersonatorUserID, context.impersonatorAccountID, context.method, object, result])
        guard let account = context.actingForAccountID else { return }
        let event = lastInsertRowID
        if try run("UPDATE audit_trail_heads SET last_event_id = ? WHERE account_id = ?", [event, account]) == 0 {
            try run("INSERT INTO audit_trail_heads (account_id, last_event_id) VALUES (?, ?)", [account, event])
        }
    }
}
