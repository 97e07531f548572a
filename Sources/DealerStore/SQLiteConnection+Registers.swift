/// Reads and writes shared by the register operations, inside the caller's transaction.
extension SQLiteConnection {
    /// A live organization of `accountID`; ORGANIZATION_NOT_FOUND otherwise (another account's too).
    func organization(_ id: Int64, in accountID: Int64) throws -> OrganizationRecord {
        guard let organization = try queryFirst(
            "\(OrganizationRecord.select) WHERE o.id = ? AND o.account_id = ? AND o.deleted_at IS NULL", [id, accountID],
            { OrganizationRecord(row: $0) })
        else { throw RegisterStoreError.organizationNotFound }
        return organization
    }

    /// A live group of `accountID`; GROUP_NOT_FOUND otherwise.
    func group(_ id: Int64, in accountID: Int64) throws -> RegisterGroupRecord {
        guard let group = try queryFirst(
            "\(RegisterGroupRecord.select) WHERE g.id = ? AND g.account_id = ? AND g.deleted_at IS NULL", [id, accountID],
            { RegisterGroupRecord(row: $0) })
        else { throw RegisterStoreError.groupNotFound }
        return group
    }

    /// A register of `accountID`, active or removed; REGISTER_NOT_FOUND otherwise.
    func cashRegister(_ id: Int64, in accountID: Int64) throws -> CashRegisterRecord {
        guard let register = try queryFirst(
            "\(CashRegisterRecord.select) WHERE r.id = ? AND r.account_id = ?", [id, accountID], { CashRegisterRecord(row: $0) })
        else { throw RegisterStoreError.registerNotFound }
        return register
    }

    /// An active register of `accountID`; REGISTER_REMOVED when removed.
    func activeRegister(_ id: Int64, in accountID: Int64) throws -> CashRegisterRecord {
        let register = try cashRegister(id, in: accountID)
        guard !register.isRemoved else { throw RegisterStoreError.registerRemoved }
        return register
    }

    /// Puts a register somewhere else (the schema checks the organization and group).
    func moveRegister(_ id: Int64, to position: RegisterPosition, now: Int64) throws {
        try run(
            "UPDATE registers SET account_id = ?, group_id = ?, organization_id = ?, updated_at = ? WHERE id = ?",
            [position.accountID, position.groupID, position.organizationID, now, id])
    }

    /// Records a change of a register's position, made by the audited caller. Run after the change.
    func insertHistory(
        registerID: Int64, kind: RegisterHistoryRecord.Kind, from: RegisterPosition?, to: RegisterPosition,
        audit: AuditContext, transferID: Int64? = nil, now: Int64
    ) throws {
        try run("""
            INSERT INTO register_history (register_id, at, kind, from_account_id, to_account_id, from_group_id, to_group_id,
                from_organization_id, to_organization_id, user_id, impersonator_user_id, impersonator_account_id, transfer_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [registerID, now, kind.rawValue, from?.accountID, to.accountID, from?.groupID, to.groupID,
             from?.organizationID, to.organizationID, audit.actorUserID, audit.impersonatorUserID,
             audit.impersonatorAccountID, transferID])
    }

    /// ACCOUNT_HAS_REGISTERS while the account holds an active register.
    func requireNoActiveRegisters(_ accountID: Int64) throws {
        if try queryFirst("SELECT 1 FROM registers WHERE account_id = ? AND removed_at IS NULL", [accountID], { _ in true }) != nil {
            throw RegisterStoreError.accountHasRegisters
        }
    }
}

extension CashRegisterRecord {
    var position: RegisterPosition {
        RegisterPosition(accountID: accountID, groupID: groupID, organizationID: organizationID)
    }
}
