import DealerProtocol
import DealerStore

/// The register moves of `dealer.v1.DealerService`: TransferRegisters,
/// ConvertGroupToClient and ListTransfers. Dealer mode required, like every
/// DealerService method. Both moves are one transaction each, previewable with
/// `dry_run`, and repeatable with `operation_id` (see `OperationReplay`).
struct RegisterTransfers: Sendable {
    /// ListTransfers' page size: each entry lists up to 10,000 register ids.
    static let transfersPageSize = 20

    private let environment: ServiceEnvironment

    init(environment: ServiceEnvironment) {
        self.environment = environment
    }

    private var store: DealerStore { environment.store }

    func register(into table: inout MethodTable) {
        typealias Dealer = Dealer_V1_DealerService
        table.registerAuthenticated(Dealer.transferRegisters, .write, in: environment) { request, principal, context in
            try principal.requireDealerMode()
            return try transfer(request, principal, context)
        }
        table.registerAuthenticated(Dealer.convertGroupToClient, .write, in: environment, execution: .hashing) { request, principal, context in
            try principal.requireDealerMode()
            return try convert(request, principal, context)
        }
        table.registerAuthenticated(Dealer.listTransfers, .read, in: environment) { request, principal, _ in
            try principal.requireDealerMode()
            let page = try PageRequest(pageSize: request.pageSize, pageToken: request.pageToken)
            let transfers = try store.listTransfers(
                dealerAccountID: principal.accountID, cursor: page.cursor, limit: min(page.limit, Self.transfersPageSize))
            return Dealer_V1_ListTransfersResponse(
                transfers: transfers.items.map(Dealer_V1_Transfer.init), nextPageToken: PageRequest.token(transfers.nextCursor))
        }
    }

    private func transfer(
        _ request: Dealer_V1_TransferRegistersRequest, _ principal: Principal, _ context: CallContext
    ) throws -> Dealer_V1_TransferRegistersResponse {
        var canonical = request
        canonical.registerIds = try RegisterValidation.registerIDs(request.registerIds)
        canonical.targetAccountID = try Validation.id(request.targetAccountID, field: "target_account_id")
        let targetGroupID = try RegisterValidation.optionalID(request.targetGroupID, field: "target_group_id")
        canonical.operationID = try RegisterValidation.operationID(request.operationID)
        canonical.dryRun = false
        let fingerprint = OperationReplay.fingerprint(canonical)
        let operationID = canonical.operationID
        let outcome = try store.transferRegisters(
            TransferRequest(
                dealerAccountID: principal.accountID, registerIDs: canonical.registerIds,
                targetAccountID: canonical.targetAccountID, targetGroupID: targetGroupID, operationID: operationID,
                fingerprint: fingerprint),
            dryRun: request.dryRun, now: environment.now, audit: principal.audit(context.method),
            encode: { Dealer_V1_TransferRegistersResponse($0, operationID: operationID, dryRun: false).serializedBytes() })
        switch outcome {
        case .performed(let result):
            return Dealer_V1_TransferRegistersResponse(result, operationID: operationID, dryRun: request.dryRun)
        case .recorded(let stored):
            var response: Dealer_V1_TransferRegistersResponse = try OperationReplay.replay(
                stored, kind: .transferRegisters, fingerprint: fingerprint, password: nil, hasher: environment.hasher)
            response.replayed = true
            return response
        }
    }

    private func convert(
        _ request: Dealer_V1_ConvertGroupToClientRequest, _ principal: Principal, _ context: CallContext
    ) throws -> Dealer_V1_ConvertGroupToClientResponse {
        var canonical = request
        canonical.groupID = try Validation.id(request.groupID, field: "group_id")
        canonical.accountName = try Validation.accountName(request.accountName)
        canonical.adminLogin = try Validation.login(request.adminLogin)
        let password = try Validation.password(request.adminPassword, bounds: environment.configuration.passwordLength)
        canonical.operationID = try RegisterValidation.operationID(request.operationID)
        // The password is checked against the recorded hash instead (a fast hash of it is never kept).
        canonical.adminPassword = ""
        canonical.dryRun = false
        let fingerprint = OperationReplay.fingerprint(canonical)
        let conversion = ConversionRequest(
            dealerAccountID: principal.accountID, groupID: canonical.groupID, accountName: canonical.accountName,
            adminLogin: canonical.adminLogin, copySharedOrganizations: request.copySharedOrganizations,
            operationID: canonical.operationID, fingerprint: fingerprint)
        if let stored = try store.recordedOperation(dealerAccountID: principal.accountID, operationID: conversion.operationID) {
            return try replay(stored, fingerprint: fingerprint, password: password)
        }
        let passwordHash = request.dryRun ? nil : try environment.hasher.hash(password)
        let now = environment.now
        let dealer = Common_V1_ServingDealer(dealerAccountID: principal.accountID, dealerName: principal.accountName, sinceMs: now)
        let outcome = try store.convertGroupToClient(
            conversion, passwordHash: passwordHash, dryRun: request.dryRun, now: now, audit: principal.audit(context.method),
            encode: { Self.response($0, conversion, dealer: dealer, dryRun: false).serializedBytes() })
        switch outcome {
        case .performed(let result):
            return Self.response(result, conversion, dealer: dealer, dryRun: request.dryRun)
        case .recorded(let stored):
            return try replay(stored, fingerprint: fingerprint, password: password)
        }
    }

    private func replay(
        _ stored: StoredOperation, fingerprint: [UInt8], password: String
    ) throws -> Dealer_V1_ConvertGroupToClientResponse {
        var response: Dealer_V1_ConvertGroupToClientResponse = try OperationReplay.replay(
            stored, kind: .convertGroup, fingerprint: fingerprint, password: password, hasher: environment.hasher)
        response.replayed = true
        return response
    }

    /// The wire answer; for a dry run, the account and admin that would be created (id 0).
    private static func response(
        _ result: ConversionResult, _ request: ConversionRequest, dealer: Common_V1_ServingDealer, dryRun: Bool
    ) -> Dealer_V1_ConvertGroupToClientResponse {
        let account: Common_V1_Account
        let admin: Common_V1_User
        if let created = result.created {
            var serving = dealer
            serving.sinceMs = created.account.servedSince ?? result.performedAt
            account = Common_V1_Account(created.account, servingDealer: serving)
            admin = Common_V1_User(created.admin)
        } else {
            account = Common_V1_Account(name: request.accountName, createdAtMs: result.performedAt, servingDealer: dealer)
            admin = Common_V1_User(login: request.adminLogin, rights: [.admin], createdAtMs: result.performedAt)
        }
        return Dealer_V1_ConvertGroupToClientResponse(
            operationID: request.operationID, dryRun: dryRun, replayed: false, transferID: result.transferID ?? 0,
            account: account, admin: admin, groupID: result.groupID ?? 0,
            organizations: result.organizations.map(Dealer_V1_OrganizationMove.init),
            registers: result.registers.map(Dealer_V1_MovedRegister.init),
            sharedOrganizations: result.sharedOrganizations.map(Dealer_V1_SharedOrganization.init),
            performedAtMs: result.performedAt)
    }
}
