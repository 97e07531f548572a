/// A dealer moving registers between its own account and the accounts it serves
/// (TransferRegisters), and turning a group of its account into a served client
/// (ConvertGroupToClient). Each is one transaction, recorded with its operation id,
/// the arguments' fingerprint and the encoded response, so a retry can be answered
/// from the record; a dry run plans on a read snapshot and changes nothing.
extension DealerStore {
    /// Most registers one operation moves.
    public static let maxRegistersPerOperation = 10_000

    /// Moves `request.registerIDs` into the target account (and group), re-pointing each
    /// to the target's organization with the same INN: all of them or, if any cannot
    /// move, none (`RegisterStoreError.registersCannotMove` naming every one). A dry run
    /// lists the problems instead. `encode` makes the response stored with the operation.
    public func transferRegisters(
        _ request: TransferRequest, dryRun: Bool, now: Int64, audit: AuditContext,
        encode: @escaping @Sendable (TransferResult) -> [UInt8]
    ) throws -> OperationOutcome<TransferResult> {
        try operation(request.dealerAccountID, request.operationID, dryRun: dryRun) { db in
            try db.planTransfer(request, now: now)
        } perform: { db in
            var result = try db.planTransfer(request, now: now)
            guard result.problems.isEmpty else { throw RegisterStoreError.registersCannotMove(result.problems) }
            let transferID = try db.insertTransfer(
                kind: .transferRegisters, dealerAccountID: request.dealerAccountID, operationID: request.operationID,
                fingerprint: request.fingerprint, passwordHash: nil, targetAccountID: request.targetAccountID,
                targetGroupID: request.targetGroupID, sourceGroupID: nil, organizations: (0, 0), audit: audit, now: now)
            for moved in result.registers {
                let position = RegisterPosition(
                    accountID: request.targetAccountID, groupID: request.targetGroupID, organizationID: moved.toOrganizationID!)
                try db.moveRegister(moved.registerID, to: position, now: now)
                try db.insertHistory(
                    registerID: moved.registerID, kind: .transferred, from: moved.from, to: position, audit: audit,
                    transferID: transferID, now: now)
            }
            let accounts = Set(result.registers.map(\.from.accountID)).union([request.dealerAccountID, request.targetAccountID])
            try db.auditTransfer(transferID, in: accounts, audit: audit, now: now)
            result.transferID = transferID
            try db.run("UPDATE register_transfers SET response = ? WHERE id = ?", [encode(result), transferID])
            return result
        }
    }

    /// Creates an account served by the dealer with its admin, moves (or, when shared and
    /// `copySharedOrganizations`, copies) the group's organizations, moves every register of
    /// the group into a group of the same name there and deletes the emptied source group.
    /// `passwordHash` is nil only for a dry run.
    public func convertGroupToClient(
        _ request: ConversionRequest, passwordHash: String?, dryRun: Bool, now: Int64, audit: AuditContext,
        encode: @escaping @Sendable (ConversionResult) -> [UInt8]
    ) throws -> OperationOutcome<ConversionResult> {
        try operation(request.dealerAccountID, request.operationID, dryRun: dryRun || passwordHash == nil) { db in
            try db.planConversion(request, now: now)
        } perform: { db in
            guard let passwordHash else { throw DealerStoreError("a conversion needs the admin's password hash") }
            var result = try db.planConversion(request, now: now)
            if !result.sharedOrganizations.isEmpty && !request.copySharedOrganizations {
                throw RegisterStoreError.sharedOrganizations(result.sharedOrganizations)
            }
            let accountID = try db.insertAccount(name: request.accountName, servedBy: request.dealerAccountID, now: now)
            let admin = try db.insertUser(
                accountID: accountID, login: request.adminLogin, passwordHash: passwordHash, isAdmin: true, isDealer: false,
                now: now)
            try db.run(
                "INSERT INTO register_groups (account_id, name, created_at) VALUES (?, ?, ?)", [accountID, result.groupName, now])
            let groupID = db.lastInsertRowID
            var organizationIDs: [Int64: Int64] = [:]
            for index in result.organizations.indices {
                let move = result.organizations[index]
                let targetID = move.copied
                    ? try db.copyOrganization(move.sourceOrganizationID, to: accountID, now: now)
                    : try db.moveOrganization(move.sourceOrganizationID, to: accountID, now: now)
                organizationIDs[move.sourceOrganizationID] = targetID
                result.organizations[index].targetOrganizationID = targetID
            }
            let copied = result.organizations.filter(\.copied).count
            let transferID = try db.insertTransfer(
                kind: .convertGroup, dealerAccountID: request.dealerAccountID, operationID: request.operationID,
                fingerprint: request.fingerprint, passwordHash: passwordHash, targetAccountID: accountID,
                targetGroupID: groupID, sourceGroupID: request.groupID,
                organizations: (result.organizations.count - copied, copied), audit: audit, now: now)
            for index in result.registers.indices {
                let moved = result.registers[index]
                let position = RegisterPosition(
                    accountID: accountID, groupID: groupID, organizationID: organizationIDs[moved.from.organizationID]!)
                try db.moveRegister(moved.registerID, to: position, now: now)
                try db.insertHistory(
                    registerID: moved.registerID, kind: .transferred, from: moved.from, to: position, audit: audit,
                    transferID: transferID, now: now)
                result.registers[index].toOrganizationID = position.organizationID
            }
            try db.run("UPDATE register_groups SET deleted_at = ? WHERE id = ?", [now, request.groupID])
            try db.auditTransfer(transferID, in: [request.dealerAccountID, accountID], audit: audit, now: now)
            result.transferID = transferID
            result.created = NewAccount(account: try db.account(accountID)!, admin: admin)
            result.groupID = groupID
            try db.run("UPDATE register_transfers SET response = ? WHERE id = ?", [encode(result), transferID])
            return result
        }
    }

    /// The recorded operation under this id, else a dry run's `plan` on a read snapshot or
    /// the real `perform` in a write transaction (which sees any operation committed before it).
    private func operation<Result: Sendable>(
        _ dealerAccountID: Int64, _ operationID: String, dryRun: Bool,
        plan: @escaping @Sendable (SQLiteConnection) throws -> Result,
        perform: @escaping @Sendable (SQLiteConnection) throws -> Result
    ) throws -> OperationOutcome<Result> {
        let body: @Sendable (SQLiteConnection) throws -> OperationOutcome<Result> = { db in
            if let stored = try db.storedOperation(dealerAccountID, operationID) { return .recorded(stored) }
            return .performed(try (dryRun ? plan : perform)(db))
        }
        return try dryRun ? read(body) : registerWrite(body)
    }

    /// The operation recorded under this id in the dealer's account, if any.
    public func recordedOperation(dealerAccountID: Int64, operationID: String) throws -> StoredOperation? {
        try read { db in try db.storedOperation(dealerAccountID, operationID) }
    }

    /// The dealer's recorded operations, newest first, with the registers each moved.
    public func listTransfers(dealerAccountID: Int64, cursor: Int64?, limit: Int) throws -> Page<TransferRecord> {
        let limit = SQLiteConnection.pageSize(limit)
        return try read { db in
            let rows = try db.query("""
                SELECT t.id, t.operation_id, t.kind, t.at, t.user_id, u.login, t.target_account_id, t.target_group_id,
                       t.source_group_id, t.organizations_moved, t.organizations_copied
                FROM register_transfers t JOIN users u ON u.id = t.user_id
                WHERE t.dealer_account_id = ? AND t.id < ? ORDER BY t.id DESC LIMIT ?
                """, [dealerAccountID, cursor ?? Int64.max, limit + 1]) { row in
                let rawKind = row.text(2)
                guard let kind = TransferKind(rawValue: rawKind) else {
                    throw DealerStoreError("unknown transfer kind '\(rawKind)' in transfer \(row.int64(0))")
                }
                return TransferRecord(
                    id: row.int64(0), operationID: row.text(1), kind: kind, at: row.int64(3), userID: row.int64(4),
                    userLogin: row.text(5), sourceAccountIDs: [], targetAccountID: row.int64(6),
                    targetGroupID: row.optionalInt64(7), sourceGroupID: row.optionalInt64(8), registerIDs: [],
                    organizationsMoved: Int(row.int64(9)), organizationsCopied: Int(row.int64(10)))
            }
            var page = Page(fetched: rows, limit: limit) { $0.id }
            for index in page.items.indices {
                let moves = try db.query(
                    "SELECT register_id, from_account_id FROM register_history WHERE transfer_id = ? ORDER BY register_id",
                    [page.items[index].id]) { ($0.int64(0), $0.int64(1)) }
                page.items[index].registerIDs = moves.map(\.0)
                page.items[index].sourceAccountIDs = Set(moves.map(\.1)).sorted()
            }
            return page
        }
    }
}

extension SQLiteConnection {
    fileprivate func storedOperation(_ dealerAccountID: Int64, _ operationID: String) throws -> StoredOperation? {
        try queryFirst("""
            SELECT id, kind, fingerprint, password_hash, response FROM register_transfers
            WHERE dealer_account_id = ? AND operation_id = ?
            """, [dealerAccountID, operationID]) { row in
            let rawKind = row.text(1)
            guard let kind = TransferKind(rawValue: rawKind) else {
                throw DealerStoreError("unknown transfer kind '\(rawKind)' in transfer \(row.int64(0))")
            }
            return StoredOperation(
                transferID: row.int64(0), kind: kind, fingerprint: row.blob(2), passwordHash: row.optionalText(3),
                response: row.blob(4))
        }
    }

    /// The dealer's own account and the live accounts it serves.
    fileprivate func permittedAccounts(of dealerAccountID: Int64) throws -> Set<Int64> {
        _ = try dealerAccount(dealerAccountID)
        let served = try query(
            "SELECT id FROM accounts WHERE served_by_account_id = ? AND deleted_at IS NULL", [dealerAccountID]) { $0.int64(0) }
        return Set(served).union([dealerAccountID])
    }

    /// What a transfer would do now, with every register that cannot move.
    fileprivate func planTransfer(_ request: TransferRequest, now: Int64) throws -> TransferResult {
        let permitted = try permittedAccounts(of: request.dealerAccountID)
        guard permitted.contains(request.targetAccountID) else { throw RegisterStoreError.targetAccountNotFound }
        if let groupID = request.targetGroupID { _ = try group(groupID, in: request.targetAccountID) }
        let targetOrganizations = Dictionary(
            try query("SELECT inn, id FROM organizations WHERE account_id = ? AND deleted_at IS NULL", [request.targetAccountID]) {
                ($0.text(0), $0.int64(1))
            }, uniquingKeysWith: { first, _ in first })
        var result = TransferResult(
            transferID: nil, targetAccountID: request.targetAccountID, targetGroupID: request.targetGroupID, registers: [],
            problems: [], performedAt: now)
        for id in request.registerIDs {
            let found = try queryFirst("""
                SELECT r.account_id, r.group_id, r.organization_id, r.removed_at IS NOT NULL, o.inn
                FROM registers r JOIN organizations o ON o.id = r.organization_id WHERE r.id = ?
                """, [id]) { row in
                (RegisterPosition(accountID: row.int64(0), groupID: row.optionalInt64(1), organizationID: row.int64(2)),
                 row.bool(3), row.text(4))
            }
            guard let (position, removed, inn) = found, permitted.contains(position.accountID) else {
                result.problems.append(RegisterProblem(registerID: id, kind: .notFound))
                continue
            }
            if removed {
                result.problems.append(RegisterProblem(registerID: id, kind: .removed))
            } else if position.accountID == request.targetAccountID {
                result.problems.append(RegisterProblem(registerID: id, kind: .alreadyInTarget))
            } else if let organizationID = targetOrganizations[inn] {
                result.registers.append(
                    MovedRegisterRecord(registerID: id, from: position, toOrganizationID: organizationID, inn: inn))
            } else {
                result.problems.append(RegisterProblem(registerID: id, kind: .targetHasNoOrganization(inn: inn)))
            }
        }
        return result
    }

    /// What a conversion would do now (nothing created yet).
    fileprivate func planConversion(_ request: ConversionRequest, now: Int64) throws -> ConversionResult {
        _ = try dealerAccount(request.dealerAccountID)
        let group = try group(request.groupID, in: request.dealerAccountID)
        try requireLoginFree(request.adminLogin)
        guard group.registerCount <= DealerStore.maxRegistersPerOperation else {
            throw RegisterStoreError.tooManyRegisters(limit: DealerStore.maxRegistersPerOperation)
        }
        var registers = try query("""
            SELECT r.id, r.organization_id, o.inn FROM registers r JOIN organizations o ON o.id = r.organization_id
            WHERE r.group_id = ? ORDER BY r.id
            """, [group.id]) { row in
            MovedRegisterRecord(
                registerID: row.int64(0),
                from: RegisterPosition(accountID: request.dealerAccountID, groupID: group.id, organizationID: row.int64(1)),
                toOrganizationID: nil, inn: row.text(2))
        }
        var organizations: [OrganizationMoveRecord] = []
        var shared: [SharedOrganizationRecord] = []
        for organizationID in Set(registers.map(\.from.organizationID)).sorted() {
            let organization = try self.organization(organizationID, in: request.dealerAccountID)
            let inGroup = registers.filter { $0.from.organizationID == organizationID }.count
            let outside = try queryFirst(
                "SELECT count(*) FROM registers WHERE organization_id = ? AND group_id IS NOT ?", [organizationID, group.id]
            ) { Int($0.int64(0)) } ?? 0
            if outside > 0 {
                shared.append(SharedOrganizationRecord(
                    organizationID: organizationID, inn: organization.inn, name: organization.name, registersInGroup: inGroup,
                    registersOutsideGroup: outside))
            }
            organizations.append(OrganizationMoveRecord(
                sourceOrganizationID: organizationID, inn: organization.inn, name: organization.name, copied: outside > 0,
                targetOrganizationID: outside > 0 ? nil : organizationID, registerCount: inGroup))
        }
        let movedOrganizations = Set(organizations.filter { !$0.copied }.map(\.sourceOrganizationID))
        for index in registers.indices where movedOrganizations.contains(registers[index].from.organizationID) {
            registers[index].toOrganizationID = registers[index].from.organizationID
        }
        return ConversionResult(
            transferID: nil, created: nil, groupID: nil, groupName: group.name, organizations: organizations,
            registers: registers, sharedOrganizations: shared, performedAt: now)
    }

    fileprivate func insertTransfer(
        kind: TransferKind, dealerAccountID: Int64, operationID: String, fingerprint: [UInt8], passwordHash: String?,
        targetAccountID: Int64, targetGroupID: Int64?, sourceGroupID: Int64?, organizations: (moved: Int, copied: Int),
        audit: AuditContext, now: Int64
    ) throws -> Int64 {
        try run("""
            INSERT INTO register_transfers (dealer_account_id, operation_id, kind, fingerprint, password_hash, at, user_id,
                target_account_id, target_group_id, source_group_id, organizations_moved, organizations_copied)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [dealerAccountID, operationID, kind.rawValue, fingerprint, passwordHash, now, audit.actorUserID, targetAccountID,
             targetGroupID, sourceGroupID, organizations.moved, organizations.copied])
        return lastInsertRowID
    }

    /// One audit event per account involved, so each one's trail shows the move.
    fileprivate func auditTransfer(_ transferID: Int64, in accounts: Set<Int64>, audit: AuditContext, now: Int64) throws {
        for accountID in accounts.sorted() {
            var event = audit
            event.actingForAccountID = accountID
            try insertAudit(event, object: "transfer:\(transferID)", now: now)
        }
    }

    fileprivate func moveOrganization(_ id: Int64, to accountID: Int64, now: Int64) throws -> Int64 {
        try run("UPDATE organizations SET account_id = ?, updated_at = ? WHERE id = ?", [accountID, now, id])
        return id
    }

    fileprivate func copyOrganization(_ id: Int64, to accountID: Int64, now: Int64) throws -> Int64 {
        try run("""
            INSERT INTO organizations (account_id, name, inn, kpp, created_at, updated_at)
            SELECT ?, name, inn, kpp, ?, ? FROM organizations WHERE id = ?
            """, [accountID, now, now, id])
        return lastInsertRowID
    }
}
