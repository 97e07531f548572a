/// Organizations, groups and cash registers of one account. Every id is checked
/// against `accountID`: another account's object is NOT_FOUND like a missing one.
/// Domain failures are `RegisterStoreError`s.
extension DealerStore {
    // MARK: Organizations

    /// The account's live organizations, by id.
    public func listOrganizations(accountID: Int64, cursor: Int64?, limit: Int) throws -> Page<OrganizationRecord> {
        let limit = SQLiteConnection.pageSize(limit)
        return try read { db in
            let rows = try db.query(
                "\(OrganizationRecord.select) WHERE o.account_id = ? AND o.deleted_at IS NULL AND o.id > ? ORDER BY o.id LIMIT ?",
                [accountID, cursor ?? 0, limit + 1]) { OrganizationRecord(row: $0) }
            return Page(fetched: rows, limit: limit) { $0.id }
        }
    }

    public func organization(accountID: Int64, organizationID: Int64) throws -> OrganizationRecord {
        try read { db in try db.organization(organizationID, in: accountID) }
    }

    /// ALREADY_EXISTS `INN_IN_USE` when a live organization of the account has the INN.
    public func createOrganization(
        accountID: Int64, name: String, inn: String, kpp: String?, now: Int64, audit: AuditContext
    ) throws -> OrganizationRecord {
        try registerWrite { db in
            _ = try db.liveAccount(accountID)
            if try db.queryFirst(
                "SELECT 1 FROM organizations WHERE account_id = ? AND inn = ? AND deleted_at IS NULL", [accountID, inn], { _ in true }
            ) != nil { throw RegisterStoreError.innInUse }
            try db.run(
                "INSERT INTO organizations (account_id, name, inn, kpp, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                [accountID, name, inn, kpp, now, now])
            let id = db.lastInsertRowID
            try db.insertAudit(audit, object: "organization:\(id)", now: now)
            return try db.organization(id, in: accountID)
        }
    }

    /// Replaces the name and KPP (nil clears it).
    public func updateOrganization(
        accountID: Int64, organizationID: Int64, name: String, kpp: String?, now: Int64, audit: AuditContext
    ) throws -> OrganizationRecord {
        try registerWrite { db in
            let organization = try db.organization(organizationID, in: accountID)
            try db.run(
                "UPDATE organizations SET name = ?, kpp = ?, updated_at = ? WHERE id = ?", [name, kpp, now, organization.id])
            try db.insertAudit(audit, object: "organization:\(organization.id)", now: now)
            return try db.organization(organization.id, in: accountID)
        }
    }

    /// FAILED_PRECONDITION `ORGANIZATION_HAS_REGISTERS` while any register (removed ones too) points at it.
    public func deleteOrganization(accountID: Int64, organizationID: Int64, now: Int64, audit: AuditContext) throws {
        try registerWrite { db in
            let organization = try db.organization(organizationID, in: accountID)
            if try db.queryFirst("SELECT 1 FROM registers WHERE organization_id = ?", [organization.id], { _ in true }) != nil {
                throw RegisterStoreError.organizationHasRegisters
            }
            try db.run("UPDATE organizations SET deleted_at = ?, updated_at = ? WHERE id = ?", [now, now, organization.id])
            try db.insertAudit(audit, object: "organization:\(organization.id)", now: now)
        }
    }

    // MARK: Groups

    /// The account's live groups with their register counts, by id.
    public func listGroups(accountID: Int64, cursor: Int64?, limit: Int) throws -> Page<RegisterGroupRecord> {
        let limit = SQLiteConnection.pageSize(limit)
        return try read { db in
            let rows = try db.query(
                "\(RegisterGroupRecord.select) WHERE g.account_id = ? AND g.deleted_at IS NULL AND g.id > ? ORDER BY g.id LIMIT ?",
                [accountID, cursor ?? 0, limit + 1]) { RegisterGroupRecord(row: $0) }
            return Page(fetched: rows, limit: limit) { $0.id }
        }
    }

    /// ALREADY_EXISTS `GROUP_NAME_TAKEN` when a live group of the account has the name.
    public func createGroup(accountID: Int64, name: String, now: Int64, audit: AuditContext) throws -> RegisterGroupRecord {
        try registerWrite { db in
            _ = try db.liveAccount(accountID)
            try db.requireGroupNameFree(name, in: accountID, except: nil)
            try db.run("INSERT INTO register_groups (account_id, name, created_at) VALUES (?, ?, ?)", [accountID, name, now])
            let id = db.lastInsertRowID
            try db.insertAudit(audit, object: "group:\(id)", now: now)
            return try db.group(id, in: accountID)
        }
    }

    public func renameGroup(accountID: Int64, groupID: Int64, name: String, now: Int64, audit: AuditContext) throws
        -> RegisterGroupRecord
    {
        try registerWrite { db in
            let group = try db.group(groupID, in: accountID)
            try db.requireGroupNameFree(name, in: accountID, except: group.id)
            try db.run("UPDATE register_groups SET name = ? WHERE id = ?", [name, group.id])
            try db.insertAudit(audit, object: "group:\(group.id)", now: now)
            return try db.group(group.id, in: accountID)
        }
    }

    /// FAILED_PRECONDITION `GROUP_NOT_EMPTY` while it holds registers.
    public func deleteGroup(accountID: Int64, groupID: Int64, now: Int64, audit: AuditContext) throws {
        try registerWrite { db in
            let group = try db.group(groupID, in: accountID)
            guard group.registerCount == 0 else { throw RegisterStoreError.groupNotEmpty }
            try db.run("UPDATE register_groups SET deleted_at = ? WHERE id = ?", [now, group.id])
            try db.insertAudit(audit, object: "group:\(group.id)", now: now)
        }
    }

    // MARK: Registers

    /// The account's registers matching `filter`, by id.
    public func listRegisters(accountID: Int64, filter: RegisterFilter, cursor: Int64?, limit: Int) throws
        -> Page<CashRegisterRecord>
    {
        let limit = SQLiteConnection.pageSize(limit)
        let group: Int64?
        let withoutGroup: Bool
        switch filter.grouping {
        case .any: (group, withoutGroup) = (nil, false)
        case .inGroup(let id): (group, withoutGroup) = (id, false)
        case .withoutGroup: (group, withoutGroup) = (nil, true)
        }
        return try read { db in
            let rows = try db.query("""
                \(CashRegisterRecord.select)
                WHERE r.account_id = ?1 AND (?2 IS NULL OR r.group_id = ?2) AND (?3 = 0 OR r.group_id IS NULL)
                  AND (?4 IS NULL OR r.organization_id = ?4) AND (?5 IS NULL OR (r.removed_at IS NOT NULL) = ?5)
                  AND r.id > ?6
                ORDER BY r.id LIMIT ?7
                """, [accountID, group, withoutGroup, filter.organizationID, filter.removed, cursor ?? 0, limit + 1]) {
                CashRegisterRecord(row: $0)
            }
            return Page(fetched: rows, limit: limit) { $0.id }
        }
    }

    /// A register of the account, active or removed.
    public func cashRegister(accountID: Int64, registerID: Int64) throws -> CashRegisterRecord {
        try read { db in try db.cashRegister(registerID, in: accountID) }
    }

    /// Adds an active register, recorded as its first history entry. ALREADY_EXISTS
    /// `SERIAL_IN_USE` or `REGISTRATION_NUMBER_IN_USE` (across the service, removed
    /// registers included); NOT_FOUND `ORGANIZATION_NOT_FOUND` or `GROUP_NOT_FOUND`.
    public func addRegister(accountID: Int64, _ new: NewRegister, now: Int64, audit: AuditContext) throws -> CashRegisterRecord {
        try registerWrite { db in
            _ = try db.liveAccount(accountID)
            let organization = try db.organization(new.organizationID, in: accountID)
            if let groupID = new.groupID { _ = try db.group(groupID, in: accountID) }
            if try db.queryFirst(
                "SELECT 1 FROM registers WHERE model = ? AND serial_number = ?", [new.model, new.serialNumber], { _ in true }
            ) != nil { throw RegisterStoreError.serialInUse }
            if try db.queryFirst(
                "SELECT 1 FROM registers WHERE registration_number = ?", [new.registrationNumber], { _ in true }
            ) != nil { throw RegisterStoreError.registrationNumberInUse }
            try db.run("""
                INSERT INTO registers (account_id, organization_id, group_id, model, serial_number, registration_number,
                    fiscal_drive_number, name, address, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [accountID, organization.id, new.groupID, new.model, new.serialNumber, new.registrationNumber,
                 new.fiscalDriveNumber, new.name, new.address, now, now])
            let register = try db.cashRegister(db.lastInsertRowID, in: accountID)
            try db.insertHistory(registerID: register.id, kind: .added, from: nil, to: register.position, audit: audit, now: now)
            try db.insertAudit(audit, object: "register:\(register.id)", now: now)
            return register
        }
    }

    /// Changes the given fields of an active register; a new owner is a history entry.
    public func updateRegister(
        accountID: Int64, registerID: Int64, _ update: RegisterUpdate, now: Int64, audit: AuditContext
    ) throws -> CashRegisterRecord {
        try registerWrite { db in
            let register = try db.activeRegister(registerID, in: accountID)
            let organizationID = try update.organizationID.map { try db.organization($0, in: accountID).id }
            try db.run(
                "UPDATE registers SET name = ?, address = ?, organization_id = ?, fiscal_drive_number = ?, updated_at = ? WHERE id = ?",
                [update.name ?? register.name, update.address ?? register.address,
                 organizationID ?? register.organizationID, update.fiscalDriveNumber ?? register.fiscalDriveNumber,
                 now, register.id])
            let updated = try db.cashRegister(register.id, in: accountID)
            if updated.organizationID != register.organizationID {
                try db.insertHistory(
                    registerID: register.id, kind: .organizationChanged, from: register.position, to: updated.position,
                    audit: audit, now: now)
            }
            try db.insertAudit(audit, object: "register:\(register.id)", now: now)
            return updated
        }
    }

    /// Puts active registers of the account into a group (nil = none), all or none: any
    /// missing or removed register fails the whole batch, naming every offending one.
    /// Returns the registers moved and those already there, ascending.
    public func moveRegistersToGroup(
        accountID: Int64, registerIDs: [Int64], groupID: Int64?, now: Int64, audit: AuditContext
    ) throws -> (moved: [Int64], unchanged: [Int64]) {
        let ids = Array(Set(registerIDs)).sorted()
        return try registerWrite { db in
            if let groupID { _ = try db.group(groupID, in: accountID) }
            var registers: [CashRegisterRecord] = []
            var problems: [RegisterProblem] = []
            for id in ids {
                do {
                    registers.append(try db.activeRegister(id, in: accountID))
                } catch RegisterStoreError.registerNotFound {
                    problems.append(RegisterProblem(registerID: id, kind: .notFound))
                } catch RegisterStoreError.registerRemoved {
                    problems.append(RegisterProblem(registerID: id, kind: .removed))
                }
            }
            guard problems.isEmpty else { throw RegisterStoreError.registersCannotMove(problems) }
            var moved: [Int64] = []
            var unchanged: [Int64] = []
            for register in registers {
                guard register.groupID != groupID else {
                    unchanged.append(register.id)
                    continue
                }
                var position = register.position
                position.groupID = groupID
                try db.moveRegister(register.id, to: position, now: now)
                try db.insertHistory(
                    registerID: register.id, kind: .groupChanged, from: register.position, to: position, audit: audit, now: now)
                moved.append(register.id)
            }
            try db.insertAudit(audit, object: groupID.map { "group:\($0)" } ?? "account:\(accountID)", now: now)
            return (moved, unchanged)
        }
    }

    /// Removes an active register (soft): it leaves its group; its numbers stay reserved.
    public func removeRegister(accountID: Int64, registerID: Int64, now: Int64, audit: AuditContext) throws -> CashRegisterRecord {
        try registerWrite { db in
            let register = try db.activeRegister(registerID, in: accountID)
            try db.run(
                "UPDATE registers SET removed_at = ?, group_id = NULL, updated_at = ? WHERE id = ?", [now, now, register.id])
            let removed = try db.cashRegister(register.id, in: accountID)
            try db.insertHistory(
                registerID: register.id, kind: .removed, from: register.position, to: removed.position, audit: audit, now: now)
            try db.insertAudit(audit, object: "register:\(register.id)", now: now)
            return removed
        }
    }

    /// The whole history of a register the account holds now, oldest first.
    public func registerHistory(accountID: Int64, registerID: Int64, cursor: Int64?, limit: Int) throws
        -> Page<RegisterHistoryRecord>
    {
        let limit = SQLiteConnection.pageSize(limit)
        return try read { db in
            let register = try db.cashRegister(registerID, in: accountID)
            let rows = try db.query(
                "\(RegisterHistoryRecord.select) WHERE h.register_id = ? AND h.id > ? ORDER BY h.id LIMIT ?",
                [register.id, cursor ?? 0, limit + 1]) { try RegisterHistoryRecord(row: $0) }
            return Page(fetched: rows, limit: limit) { $0.id }
        }
    }

    /// `write`, with the register rules' schema backstops turned into `RegisterStoreError`s.
    func registerWrite<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) throws -> T {
        do {
            return try write(body)
        } catch let error as SQLiteError where error.isConstraintViolation {
            throw RegisterStoreError(constraint: error) ?? error
        }
    }
}

extension SQLiteConnection {
    fileprivate func requireGroupNameFree(_ name: String, in accountID: Int64, except groupID: Int64?) throws {
        if try queryFirst(
            "SELECT 1 FROM register_groups WHERE account_id = ? AND name = ? AND deleted_at IS NULL AND id IS NOT ?",
            [accountID, name, groupID], { _ in true }) != nil
        {
            throw RegisterStoreError.groupNameTaken
        }
    }
}
