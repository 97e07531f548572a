
/// What a client account does: find dealers, request service, disconnect; and its audit trail.
extension DealerStore {
    /// Live accounts working as dealers whose name contains `nameQuery` (case-insensitive), by id.
    public func findDealers(nameQuery: String, cursor: Int64?, limit: Int) throws -> Page<DealerRecord> {
        let limit = SQLiteConnection.pageSize(limit)
        return try read { db in
            let rows = try db.query("""
                SELECT id, name FROM accounts
                WHERE is_dealer = 1 AND deleted_at IS NULL AND instr(lower(name), lower(?)) > 0 AND id > ?
                ORDER BY id LIMIT ?
                """, [nameQuery, cursor ?? 0, limit + 1]) { DealerRecord(accountID: $0.int64(0), name: $0.text(1)) }
            return Page(fetched: rows, limit: limit) { $0.accountID }
        }
    }

    /// The account's own requests, newest first, optionally of one (effective) status.
    public func listMyRequests(
        clientAccountID: Int64, status: RequestStatus?, cursor: Int64?, limit: Int, now: Int64
    ) throws -> Page<ServiceRequestRecord> {
        try listRequests(party: "r.client_account_id", accountID: clientAccountID, status: status, cursor: cursor, limit: limit, now: now)
    }

    /// Asks a dealer to serve this account. NOT_FOUND `DEALER_NOT_FOUND`; FAILED_PRECONDITION
    /// `ACCOUNT_SERVED_BY_DEALER` or `DEALER_CANNOT_BE_SERVED`; PERMISSION_DENIED
    /// `REQUESTS_BLOCKED`; ALREADY_EXISTS `DUPLICATE_REQUEST`.
    public func submitRequest(
        clientAccountID: Int64, dealerAccountID: Int64, message: String, now: Int64, expiresAt: Int64, audit: AuditContext
    ) throws -> ServiceRequestRecord {
        try write { db in
            try db.expirePendingRequests(now: now)
            guard dealerAccountID != clientAccountID, let dealer = try db.account(dealerAccountID), dealer.isDealer, !dealer.isDeleted
            else { throw StoreError.dealerNotFound }
            let client = try db.liveAccount(clientAccountID)
            if client.servedByAccountID != nil { throw StoreError.accountServedByDealer }
            if client.isDealer { throw StoreError.dealerCannotBeServed }
            let pair: [any SQLValueConvertible] = [clientAccountID, dealerAccountID]
            if try db.queryFirst("SELECT 1 FROM service_requests WHERE client_account_id = ? AND dealer_account_id = ? AND blocked = 1", pair, { _ in true }) != nil {
                throw StoreError.requestsBlocked
            }
            if try db.queryFirst("SELECT 1 FROM service_requests WHERE client_account_id = ? AND dealer_account_id = ? AND status = 'pending'", pair, { _ in true }) != nil {
                throw StoreError.duplicateRequest
            }
            try db.run("""
                INSERT INTO service_requests (client_account_id, dealer_account_id, message, created_at, updated_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, [clientAccountID, dealerAccountID, message, now, now, expiresAt])
            let id = db.lastInsertRowID
            try db.insertAudit(audit, object: "request:\(id)", now: now)
            return try db.request(id, now: now)!
        }
    }

    /// Cancels one of the account's pending requests. NOT_FOUND `REQUEST_NOT_FOUND`,
    /// FAILED_PRECONDITION `REQUEST_NOT_PENDING`.
    public func cancelRequest(clientAccountID: Int64, requestID: Int64, now: Int64, audit: AuditContext) throws -> ServiceRequestRecord {
        try write { db in
            try db.expirePendingRequests(now: now)
            guard let request = try db.request(requestID, now: now), request.clientAccountID == clientAccountID else {
                throw StoreError.requestNotFound
            }
            guard request.status == .pending else { throw StoreError.requestNotPending }
            try db.finish(request: request.id, status: .cancelled, now: now)
            try db.insertAudit(audit, object: "request:\(request.id)", now: now)
            return try db.request(request.id, now: now)!
        }
    }

    /// The dealer serving the account and since when, or nil.
    public func serviceStatus(clientAccountID: Int64) throws -> ServiceStatus? {
        try read { db in try Self.serviceStatus(clientAccountID, db: db) }
    }

    /// Ends the account's service: closes the period (`disconnected`) and revokes every
    /// LoginToClient session into the account. Returns the former dealer.
    /// FAILED_PRECONDITION `NOT_SERVED` if there is none.
    public func disconnect(clientAccountID: Int64, now: Int64, audit: AuditContext) throws -> ServiceStatus {
        try write { db in
            guard let former = try Self.serviceStatus(clientAccountID, db: db) else { throw StoreError.notServed }
            try db.endService(client: clientAccountID, reason: "disconnected", now: now)
            try db.run(
                "UPDATE sessions SET revoked_at = ? WHERE account_id = ? AND impersonator_user_id IS NOT NULL AND revoked_at IS NULL",
                [now, clientAccountID])
            try db.insertAudit(audit, object: "account:\(former.dealerAccountID)", now: now)
            return former
        }
    }

    private static func serviceStatus(_ clientID: Int64, db: SQLiteConnection) throws -> ServiceStatus? {
        try db.queryFirst("""
            SELECT d.id, d.name, a.served_since FROM accounts a JOIN accounts d ON d.id = a.served_by_account_id
            WHERE a.id = ?
            """, [clientID]) { ServiceStatus(dealerAccountID: $0.int64(0), dealerName: $0.text(1), since: $0.int64(2)) }
    }

    // MARK: Audit

    /// The account's audit trail (events acting for it), newest first. A cursor is the
    /// id of an event of this trail (the last of the previous page); any other id
    /// throws `StoreError.invalidCursor`. The trail is followed link by link
    /// (`previous_for_account_id`, migration 6), one primary-key lookup per event.
    public func listAuditEvents(accountID: Int64, cursor: Int64?, limit: Int) throws -> Page<AuditEventRecord> {
        let limit = SQLiteConnection.pageSize(limit)
        return try read { db in
            let start: Int64?
            if let cursor {
                guard let link = try db.queryFirst(
                    "SELECT previous_for_account_id FROM audit_events WHERE id = ? AND acting_for_account_id = ?",
                    [cursor, accountID], { $0.optionalInt64(0) })
                else { throw StoreError.invalidCursor }
                start = link
            } else {
                start = try db.queryFirst(
                    "SELECT last_event_id FROM audit_trail_heads WHERE account_id = ?", [accountID]) { $0.int64(0) }
            }
            guard let start else { return Page(fetched: [], limit: limit) { $0.id } }
            let rows = try db.query("""
                WITH RECURSIVE trail(id, depth) AS (
                    SELECT ?, 1
                    UNION ALL
                    SELECT t.previous_for_account_id, trail.depth + 1
                    FROM trail JOIN audit_events t ON t.id = trail.id
                    WHERE trail.depth < ?
                )
                \(AuditEventRecord.select) JOIN trail ON e.id = trail.id ORDER BY e.id DESC
                """,
                [start, limit + 1]) { AuditEventRecord(row: $0) }
            return Page(fetched: rows, limit: limit) { $0.id }
        }
    }

    /// Records a call that changes nothing (e.g. a read made through a LoginToClient
    /// session) or a refused one (`result` = its reason).
    public func appendAudit(_ audit: AuditContext, object: String, result: String = AuditEventRecord.ok, now: Int64) throws {
        try write { db in try db.insertAudit(audit, object: object, result: result, now: now) }
    }
}
