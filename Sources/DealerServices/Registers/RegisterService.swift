import DealerProtocol
import DealerStore

/// `registers.v1.RegisterService`: the organizations, groups and cash registers of
/// the session's account. Any session reads; changes need the admin right (a dealer's
/// LoginToClient session has it). Another account's ids are NOT_FOUND.
public struct RegisterService: Sendable {
    private let environment: ServiceEnvironment

    public init(environment: ServiceEnvironment) {
        self.environment = environment
    }

    private var store: DealerStore { environment.store }

    public func register(into table: inout MethodTable) {
        typealias Registers = Registers_V1_RegisterService
        // Organizations.
        read(Registers.listOrganizations, into: &table) { request, principal in
            let page = try PageRequest(pageSize: request.pageSize, pageToken: request.pageToken)
            let organizations = try store.listOrganizations(accountID: principal.accountID, cursor: page.cursor, limit: page.limit)
            return Registers_V1_ListOrganizationsResponse(
                organizations: organizations.items.map(Registers_V1_Organization.init),
                nextPageToken: PageRequest.token(organizations.nextCursor))
        }
        read(Registers.getOrganization, into: &table) { request, principal in
            let id = try Validation.id(request.organizationID, field: "organization_id")
            return Registers_V1_GetOrganizationResponse(
                organization: Registers_V1_Organization(try store.organization(accountID: principal.accountID, organizationID: id)))
        }
        write(Registers.createOrganization, into: &table) { request, principal, audit in
            let name = try RegisterValidation.name(request.name)
            let inn = try RegisterValidation.inn(request.inn)
            let kpp = try RegisterValidation.kpp(request.kpp, inn: inn)
            let organization = try store.createOrganization(
                accountID: principal.accountID, name: name, inn: inn, kpp: kpp, now: environment.now, audit: audit)
            return Registers_V1_CreateOrganizationResponse(organization: Registers_V1_Organization(organization))
        }
        write(Registers.updateOrganization, into: &table) { request, principal, audit in
            let id = try Validation.id(request.organizationID, field: "organization_id")
            let name = try RegisterValidation.name(request.name)
            let current = try store.organization(accountID: principal.accountID, organizationID: id)
            let kpp = try RegisterValidation.kpp(request.kpp, inn: current.inn)
            let organization = try store.updateOrganization(
                accountID: principal.accountID, organizationID: id, name: name, kpp: kpp, now: environment.now, audit: audit)
            return Registers_V1_UpdateOrganizationResponse(organization: Registers_V1_Organization(organization))
        }
        write(Registers.deleteOrganization, into: &table) { request, principal, audit in
            try store.deleteOrganization(
                accountID: principal.accountID, organizationID: try Validation.id(request.organizationID, field: "organization_id"),
                now: environment.now, audit: audit)
            return Registers_V1_DeleteOrganizationResponse()
        }
        // Groups.
        read(Registers.listGroups, into: &table) { request, principal in
            let page = try PageRequest(pageSize: request.pageSize, pageToken: request.pageToken)
            let groups = try store.listGroups(accountID: principal.accountID, cursor: page.cursor, limit: page.limit)
            return Registers_V1_ListGroupsResponse(
                groups: groups.items.map(Registers_V1_Group.init), nextPageToken: PageRequest.token(groups.nextCursor))
        }
        write(Registers.createGroup, into: &table) { request, principal, audit in
            let group = try store.createGroup(
                accountID: principal.accountID, name: try RegisterValidation.name(request.name), now: environment.now,
                audit: audit)
            return Registers_V1_CreateGroupResponse(group: Registers_V1_Group(group))
        }
        write(Registers.renameGroup, into: &table) { request, principal, audit in
            let id = try Validation.id(request.groupID, field: "group_id")
            let group = try store.renameGroup(
                accountID: principal.accountID, groupID: id, name: try RegisterValidation.name(request.name),
                now: environment.now, audit: audit)
            return Registers_V1_RenameGroupResponse(group: Registers_V1_Group(group))
        }
        write(Registers.deleteGroup, into: &table) { request, principal, audit in
            try store.deleteGroup(
                accountID: principal.accountID, groupID: try Validation.id(request.groupID, field: "group_id"),
                now: environment.now, audit: audit)
            return Registers_V1_DeleteGroupResponse()
        }
        // Registers.
        read(Registers.listRegisters, into: &table) { request, principal in
            try listRegisters(request, principal)
        }
        read(Registers.getRegister, into: &table) { request, principal in
            let id = try Validation.id(request.registerID, field: "register_id")
            return Registers_V1_GetRegisterResponse(
                register: Registers_V1_CashRegister(try store.cashRegister(accountID: principal.accountID, registerID: id)))
        }
        write(Registers.addRegister, into: &table) { request, principal, audit in
            let new = NewRegister(
                organizationID: try Validation.id(request.organizationID, field: "organization_id"),
                groupID: try RegisterValidation.optionalID(request.groupID, field: "group_id"),
                model: try RegisterValidation.model(request.model),
                serialNumber: try RegisterValidation.serialNumber(request.serialNumber),
                registrationNumber: try RegisterValidation.registrationNumber(request.registrationNumber),
                fiscalDriveNumber: try RegisterValidation.fiscalDriveNumber(request.fiscalDriveNumber),
                name: try RegisterValidation.name(request.name, required: false),
                address: try RegisterValidation.address(request.address))
            let register = try store.addRegister(accountID: principal.accountID, new, now: environment.now, audit: audit)
            return Registers_V1_AddRegisterResponse(register: Registers_V1_CashRegister(register))
        }
        write(Registers.updateRegister, into: &table) { request, principal, audit in
            let id = try Validation.id(request.registerID, field: "register_id")
            let register = try store.updateRegister(
                accountID: principal.accountID, registerID: id, try Self.update(request), now: environment.now, audit: audit)
            return Registers_V1_UpdateRegisterResponse(register: Registers_V1_CashRegister(register))
        }
        write(Registers.moveRegistersToGroup, into: &table) { request, principal, audit in
            let ids = try RegisterValidation.registerIDs(request.registerIds)
            let groupID = try RegisterValidation.optionalID(request.groupID, field: "group_id")
            let result = try store.moveRegistersToGroup(
                accountID: principal.accountID, registerIDs: ids, groupID: groupID, now: environment.now, audit: audit)
            return Registers_V1_MoveRegistersToGroupResponse(
                movedRegisterIds: result.moved, unchangedRegisterIds: result.unchanged)
        }
        write(Registers.removeRegister, into: &table) { request, principal, audit in
            let register = try store.removeRegister(
                accountID: principal.accountID, registerID: try Validation.id(request.registerID, field: "register_id"),
                now: environment.now, audit: audit)
            return Registers_V1_RemoveRegisterResponse(register: Registers_V1_CashRegister(register))
        }
        read(Registers.getRegisterHistory, into: &table) { request, principal in
            let id = try Validation.id(request.registerID, field: "register_id")
            let page = try PageRequest(pageSize: request.pageSize, pageToken: request.pageToken)
            let entries = try store.registerHistory(
                accountID: principal.accountID, registerID: id, cursor: page.cursor, limit: page.limit)
            // Users of the register's earlier accounts stay private: named only when of this account or its dealer.
            let dealer = try store.serviceStatus(clientAccountID: principal.accountID)?.dealerAccountID
            return Registers_V1_GetRegisterHistoryResponse(
                entries: entries.items.map { entry in
                    var wire = Registers_V1_RegisterHistoryEntry(entry)
                    if let owner = entry.userAccountID, owner != principal.accountID, owner != dealer {
                        wire.userID = 0
                        wire.userLogin = ""
                    }
                    return wire
                },
                nextPageToken: PageRequest.token(entries.nextCursor))
        }
    }

    private func listRegisters(
        _ request: Registers_V1_ListRegistersRequest, _ principal: Principal
    ) throws -> Registers_V1_ListRegistersResponse {
        let groupID = try RegisterValidation.optionalID(request.groupID, field: "group_id")
        if request.withoutGroup && groupID != nil {
            throw RPCError(.invalidArgument, .invalidArgument, "without_group needs group_id 0")
        }
        let filter = RegisterFilter(
            grouping: request.withoutGroup ? .withoutGroup : groupID.map { .inGroup($0) } ?? .any,
            organizationID: try RegisterValidation.optionalID(request.organizationID, field: "organization_id"),
            removed: try request.state.storeFilter())
        let page = try PageRequest(pageSize: request.pageSize, pageToken: request.pageToken)
        let registers = try store.listRegisters(
            accountID: principal.accountID, filter: filter, cursor: page.cursor, limit: page.limit)
        return Registers_V1_ListRegistersResponse(
            registers: registers.items.map(Registers_V1_CashRegister.init),
            nextPageToken: PageRequest.token(registers.nextCursor))
    }

    /// The fields named by `update_fields`, validated; each at most once, at least one.
    private static func update(_ request: Registers_V1_UpdateRegisterRequest) throws -> RegisterUpdate {
        guard !request.updateFields.isEmpty, Set(request.updateFields).count == request.updateFields.count else {
            throw RPCError(.invalidArgument, .invalidArgument, "update_fields must list each field to change once")
        }
        var update = RegisterUpdate()
        for field in request.updateFields {
            switch field {
            case .name: update.name = try RegisterValidation.name(request.name, required: false)
            case .address: update.address = try RegisterValidation.address(request.address)
            case .organization: update.organizationID = try Validation.id(request.organizationID, field: "organization_id")
            case .fiscalDriveNumber: update.fiscalDriveNumber = try RegisterValidation.fiscalDriveNumber(request.fiscalDriveNumber)
            default: throw RPCError(.invalidArgument, .invalidArgument, "unknown update field \(field)")
            }
        }
        return update
    }

    /// A read for any session of the account.
    private func read<Request, Response>(
        _ method: RPCMethod<Request, Response>, into table: inout MethodTable,
        _ body: @escaping @Sendable (Request, Principal) throws -> Response
    ) {
        table.registerAuthenticated(method, .read, in: environment) { request, principal, _ in
            try body(request, principal)
        }
    }

    /// A change: needs the admin right; audited with the caller's identities.
    private func write<Request, Response>(
        _ method: RPCMethod<Request, Response>, into table: inout MethodTable,
        _ body: @escaping @Sendable (Request, Principal, AuditContext) throws -> Response
    ) {
        table.registerAuthenticated(method, .write, in: environment) { request, principal, context in
            try principal.requireAdmin()
            return try body(request, principal, principal.audit(context.method))
        }
    }
}
