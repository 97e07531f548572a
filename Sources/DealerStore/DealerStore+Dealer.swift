
/// What a dealer does: its clients, incoming requests and LoginToClient.
/// Every id is checked against `dealerAccountID`; another tenant's object is NOT_FOUND.
extension DealerStore {
    /// The live accounts this dealer serves, by account id.
    public func listClients(dealerAccountID: Int64, cursor: Int64?, limit: Int) throws -> Page<ClientRecord> {
        let limit = SQLiteConnection.pageSize(limit)
        return try read { db in
            let rows = try db.query("""
                SELECT id, name, served_since FROM accounts
                WHERE served_by_account_id = ? AND deleted_at IS NULL AND id > ? ORDER BY id LIMIT ?
                """, [dealerAccountID, cursor ?? 0, limit + 1]) {
                ClientRecord(accountID: $0.int64(0), name: $0.text(1), servedSince: $0.int64(2))
            }
            return Page(fetched: rows, limit: limit) { $0.accountID }
        }
    }

    /// Requests addressed to this dealer, newest first, optionally of one (effective) status.
    public func listIncomingRequests(
        dealerAccountID: Int64, status: RequestStatus?, cursor: Int64?, limit: Int, now: Int64
    ) throws -> Page<ServiceRequestRecord> {
        try listRequests(party: "r.dealer_account_id", accountID: dealerAccountID, status: status, cursor: cursor, limit: limit, now: now)
    }

    /// Creates an account already served by this dealer (open service period) and its first admin.
    public func createClient(
        dealerAccountID: Int64, accountName: String, adminLogin: String, passwordHash: String, now: Int64, audit: AuditContext
    ) throws -> NewAccount {
        try write { db in
            _ = try db.dealerAccount(dealerAccountID)
            try db.requireLoginFree(adminLogin)
            let accountID = try db.insertAccount(name: accountName, servedBy: dealerAccountID, now: now)
            let admin = try db.insertUser(accountID: accountID, login: adminLogin, passwordHash: passwordHash, isAdmin: true, isDealer: false, now: now)
            try db.insertAudit(audit, object: "account:\(accountID)", now: now)
            return NewAccount(account: try db.account(accountID)!, admin: admin)
        }
    }

    /// Soft-deletes a client this dealer serves: sets `deleted_at`, ends the service period
    /// (`client_deleted`), closes its pending requests and revokes every session acting in it.
    /// Returns the number of sessions revoked. NOT_FOUND `CLIENT_NOT_FOUND` otherwise;
    /// `RegisterStoreError.accountHasRegisters` while it holds active registers.
    public func deleteClient(dealerAccountID: Int64, clientAccountID: Int64, now: Int64, audit: AuditContext) throws -> Int {
        try write { db in
            try db.expirePendingRequests(now: now)
            let client = try servedClient(clientAccountID, of: dealerAccountID, db: db)
            try db.requireNoActiveRegisters(client.id)
            try db.endService(client: client.id, reason: "client_deleted", now: now)
            try db.run("UPDATE accounts SET deleted_at = ? WHERE id = ?", [now, client.id])
            try db.run(
                "UPDATE service_requests SET status = 'closed', updated_at = ? WHERE client_account_id = ? AND status = 'pending'",
                [now, client.id])
            let revoked = try db.run("UPDATE sessions SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL", [now, client.id])
            try db.insertAudit(audit, object: "account:\(client.id)", now: now)
            return revoked
        }
    }

    /// Opens a LoginToClient session: acting in a client this dealer serves, with admin
    /// rights and never dealer rights, recording the dealer user and account behind it.
    /// It is a child of the dealer's session `parentSessionID`: it never outlives it
    /// (its expiry is capped at the parent's, a revoked parent revokes it, and
    /// `SessionRecord.isActive` checks the parent). `parentSessionInvalid` if the
    /// parent is no longer live at `now`; `clientNotFound` for an account this dealer
    /// does not serve; `dealerModeRequired` if the dealer user lost the dealer right.
    public func createImpersonationSession(
        dealerUserID: Int64, dealerAccountID: Int64, clientAccountID: Int64, parentSessionID: Int64,
        tokenHash: [UInt8], now: Int64, expiresAt: Int64, audit: AuditContext
    ) throws -> SessionRecord {
        try write { db in
            guard let parent = try db.session(id: parentSessionID), parent.userID == dealerUserID, parent.isActive(now: now)
            else { throw StoreError.parentSessionInvalid }
            guard let dealerUser = try db.user(dealerUserID), dealerUser.accountID == dealerAccountID,
                  dealerUser.isDealer, !dealerUser.isDisabled
            else { throw StoreError.dealerModeRequired }
            let client = try servedClient(clientAccountID, of: dealerAccountID, db: db)
            let session = try db.insertSession(
                tokenHash: tokenHash, userID: dealerUserID, accountID: client.id, isAdmin: true, isDealer: false,
                impersonator: (dealerUserID, dealerAccountID), parentSessionID: parent.id,
                now: now, expiresAt: min(expiresAt, parent.expiresAt))
            try db.insertAudit(audit, object: "account:\(client.id)", now: now)
            return session
        }
    }

    /// Makes the client served by this dealer and closes the client's other pending
    /// requests (to any dealer). FAILED_PRECONDITION `REQUEST_NOT_PENDING`,
    /// `ACCOUNT_SERVED_BY_DEALER` or `DEALER_CANNOT_BE_SERVED`.
    public func acceptRequest(dealerAccountID: Int64, requestID: Int64, now: Int64, audit: AuditContext) throws -> ServiceRequestRecord {
        try write { db in
            let request = try pendingIncomingRequest(requestID, of: dealerAccountID, db: db, now: now)
            let client = try db.liveAccount(request.clientAccountID)
            if client.servedByAccountID != nil { throw StoreError.accountServedByDealer }
            if client.isDealer { throw StoreError.dealerCannotBeServed }
            try db.startService(client: client.id, dealer: dealerAccountID, now: now)
            try db.finish(request: request.id, status: .accepted, now: now)
            try db.run(
                "UPDATE service_requests SET status = 'closed', updated_at = ? WHERE client_account_id = ? AND status = 'pending'",
                [now, client.id])
            try db.insertAudit(audit, object: "request:\(request.id)", now: now)
            return try db.request(request.id, now: now)!
        }
    }

    /// Rejects a pending request, with an optional reason shown to the client.
    public func rejectRequest(
        dealerAccountID: Int64, requestID: Int64, reason: String?, now: Int64, audit: AuditContext
    ) throws -> ServiceRequestRecord {
        try write { db in
            let request = try pendingIncomingRequest(requestID, of: dealerAccountID, db: db, now: now)
            try db.finish(request: request.id, status: .rejected, rejectReason: reason, now: now)
            try db.insertAudit(audit, object: "request:\(request.id)", now: now)
            return try db.request(request.id, now: now)!
        }
    }

    /// Sets or clears the block flag of a request (in any status). While any request from
    /// a client to this dealer is blocked, that client's new requests to it are refused.
    public func setRequestBlocked(
        dealerAccountID: Int64, requestID: Int64, blocked: Bool, now: Int64, audit: AuditContext
    ) throws -> ServiceRequestRecord {
        try write { db in
            try db.expirePendingRequests(now: now)
            let request = try incomingRequest(requestID, of: dealerAccountID, db: db, now: now)
            try db.run("UPDATE service_requests SET blocked = ?, updated_at = ? WHERE id = ?", [blocked, now, request.id])
            try db.insertAudit(audit, object: "request:\(request.id)", now: now)
            return try db.request(request.id, now: now)!
        }
    }

    // MARK: Checks

    private func servedClient(_ clientID: Int64, of dealerID: Int64, db: SQLiteConnection) throws -> AccountRecord {
        guard let client = try db.account(clientID), client.servedByAccountID == dealerID, !client.isDeleted else {
            throw StoreError.clientNotFound
        }
        return client
    }

    private func incomingRequest(_ id: Int64, of dealerID: Int64, db: SQLiteConnection, now: Int64) throws -> ServiceRequestRecord {
        guard let request = try db.request(id, now: now), request.dealerAccountID == dealerID else { throw StoreError.requestNotFound }
        return request
    }

    /// Expires what is due, then finds the dealer's request and requires it pending.
    private func pendingIncomingRequest(_ id: Int64, of dealerID: Int64, db: SQLiteConnection, now: Int64) throws -> ServiceRequestRecord {
        try db.expirePendingRequests(now: now)
        let request = try incomingRequest(id, of: dealerID, db: db, now: now)
        guard request.status == .pending else { throw StoreError.requestNotPending }
        _ = try db.dealerAccount(dealerID)
        return request
    }

    /// Requests where `party` (a column of `r`) is `accountID`, newest first.
    func listRequests(
        party: String, accountID: Int64, status: RequestStatus?, cursor: Int64?, limit: Int, now: Int64
    ) throws -> Page<ServiceRequestRecord> {
        let limit = SQLiteConnection.pageSize(limit)
        return try read { db in
            let rows = try db.query("""
                \(ServiceRequestRecord.select)
                WHERE \(party) = ?2 AND (?3 IS NULL OR effective_status = ?3) AND r.id < ?4
                ORDER BY r.id DESC LIMIT ?5
                """, [now, accountID, status?.rawValue, cursor ?? Int64.max, limit + 1]) { try ServiceRequestRecord(row: $0) }
            return Page(fetched: rows, limit: limit) { $0.id }
        }
    }
}
