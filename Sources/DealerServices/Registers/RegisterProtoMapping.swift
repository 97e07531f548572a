import DealerProtocol
import DealerStore

// Register, organization, group and transfer records as wire messages.

extension Registers_V1_Organization {
    init(_ organization: OrganizationRecord) {
        self.init(
            id: organization.id, accountID: organization.accountID, name: organization.name, inn: organization.inn,
            kpp: organization.kpp ?? "", createdAtMs: organization.createdAt, updatedAtMs: organization.updatedAt,
            registerCount: UInt32(clamping: organization.registerCount))
    }
}

extension Registers_V1_Group {
    init(_ group: RegisterGroupRecord) {
        self.init(
            id: group.id, accountID: group.accountID, name: group.name, registerCount: UInt32(clamping: group.registerCount),
            createdAtMs: group.createdAt)
    }
}

extension Registers_V1_CashRegister {
    init(_ register: CashRegisterRecord) {
        self.init(
            id: register.id, accountID: register.accountID, organizationID: register.organizationID,
            groupID: register.groupID ?? 0, model: register.model, serialNumber: register.serialNumber,
            registrationNumber: register.registrationNumber, fiscalDriveNumber: register.fiscalDriveNumber,
            name: register.name, address: register.address, createdAtMs: register.createdAt,
            updatedAtMs: register.updatedAt, state: register.isRemoved ? .removed : .active,
            removedAtMs: register.removedAt ?? 0)
    }
}

extension Registers_V1_RegisterState {
    /// The store's filter: nil for UNSPECIFIED (every state), true for removed only.
    func storeFilter() throws -> Bool? {
        switch self {
        case .unspecified: return nil
        case .active: return false
        case .removed: return true
        default: throw RPCError(.invalidArgument, .invalidArgument, "unknown state \(self)")
        }
    }
}

extension Registers_V1_RegisterChangeKind {
    init(_ kind: RegisterHistoryRecord.Kind) {
        switch kind {
        case .added: self = .added
        case .groupChanged: self = .groupChanged
        case .organizationChanged: self = .organizationChanged
        case .transferred: self = .transferred
        case .removed: self = .removed
        }
    }
}

extension Registers_V1_RegisterHistoryEntry {
    init(_ entry: RegisterHistoryRecord) {
        let impersonator = Common_V1_Impersonator(
            userID: entry.impersonatorUserID, login: entry.impersonatorLogin, accountID: entry.impersonatorAccountID,
            accountName: entry.impersonatorAccountName)
        self.init(
            id: entry.id, registerID: entry.registerID, atMs: entry.at, kind: Registers_V1_RegisterChangeKind(entry.kind),
            fromAccountID: entry.from?.accountID ?? 0, toAccountID: entry.to.accountID,
            fromGroupID: entry.from?.groupID ?? 0, toGroupID: entry.to.groupID ?? 0,
            fromOrganizationID: entry.from?.organizationID ?? 0, toOrganizationID: entry.to.organizationID,
            userID: entry.userID ?? 0, userLogin: entry.userLogin ?? "", impersonator: impersonator,
            operationID: entry.operationID ?? "", transferID: entry.transferID ?? 0)
    }
}

extension Dealer_V1_MovedRegister {
    init(_ moved: MovedRegisterRecord) {
        self.init(
            registerID: moved.registerID, fromAccountID: moved.from.accountID, fromGroupID: moved.from.groupID ?? 0,
            fromOrganizationID: moved.from.organizationID, toOrganizationID: moved.toOrganizationID ?? 0, inn: moved.inn)
    }
}

extension Dealer_V1_RegisterProblem {
    init(_ problem: RegisterProblem) {
        var inn = ""
        if case .targetHasNoOrganization(let missing) = problem.kind { inn = missing }
        self.init(registerID: problem.registerID, reason: RegisterErrors.reason(of: problem.kind).rawValue, inn: inn)
    }
}

extension Dealer_V1_OrganizationMove {
    init(_ move: OrganizationMoveRecord) {
        self.init(
            sourceOrganizationID: move.sourceOrganizationID, inn: move.inn, name: move.name,
            kind: move.copied ? .copied : .moved, targetOrganizationID: move.targetOrganizationID ?? 0,
            registerCount: UInt32(clamping: move.registerCount))
    }
}

extension Dealer_V1_SharedOrganization {
    init(_ shared: SharedOrganizationRecord) {
        self.init(
            organizationID: shared.organizationID, inn: shared.inn, name: shared.name,
            registersInGroup: UInt32(clamping: shared.registersInGroup),
            registersOutsideGroup: UInt32(clamping: shared.registersOutsideGroup))
    }
}

extension Dealer_V1_TransferRegistersResponse {
    init(_ result: TransferResult, operationID: String, dryRun: Bool) {
        self.init(
            operationID: operationID, dryRun: dryRun, replayed: false, transferID: result.transferID ?? 0,
            targetAccountID: result.targetAccountID, targetGroupID: result.targetGroupID ?? 0,
            registers: result.registers.map(Dealer_V1_MovedRegister.init),
            problems: result.problems.map(Dealer_V1_RegisterProblem.init), performedAtMs: result.performedAt)
    }
}

extension Dealer_V1_Transfer {
    init(_ transfer: TransferRecord) {
        self.init(
            id: transfer.id, operationID: transfer.operationID,
            kind: transfer.kind == .convertGroup ? .convertGroup : .transferRegisters, performedAtMs: transfer.at,
            userID: transfer.userID, userLogin: transfer.userLogin, sourceAccountIds: transfer.sourceAccountIDs,
            targetAccountID: transfer.targetAccountID, targetGroupID: transfer.targetGroupID ?? 0,
            sourceGroupID: transfer.sourceGroupID ?? 0, registerCount: UInt32(clamping: transfer.registerIDs.count),
            registerIds: transfer.registerIDs, organizationsMoved: UInt32(clamping: transfer.organizationsMoved),
            organizationsCopied: UInt32(clamping: transfer.organizationsCopied))
    }
}
