@testable import DealerStore
import Foundation

/// A write whose store call returned, and the query that finds it (a row) in the database.
struct AcknowledgedWrite: Sendable {
    let step: String
    let sql: String
    let values: [SQLValue]

    /// True when the database holds the write (or a later state built on it).
    func isPresent(in store: DealerStore) throws -> Bool {
        try store.read { db in try db.queryFirst(sql, values) { _ in true } } ?? false
    }
}

/// One pass over the store's whole write surface, through the methods the services call:
/// sign-up, users and rights, requests submitted, accepted, rejected, disconnects,
/// organizations, groups, registers added, transferred and converted into a client,
/// sessions opened and revoked. Every entity is named after `prefix`, so chains of
/// several writers and rounds never meet. Each step returns the write it made, with a
/// query that still finds it after every later step of the chain.
final class WriteSurfaceChain {
    private let store: DealerStore
    private let prefix: String
    /// Distinguishes this chain's register numbers (unique across the service).
    private let number: Int
    private let now: Int64 = 1_700_000_000_000
    private(set) var nextStep = 0

    private var dealer: NewAccount!
    private var client: NewAccount!
    private var other: NewAccount!
    private var request: ServiceRequestRecord!
    private var group: RegisterGroupRecord!
    private var grouped: CashRegisterRecord!
    private var loose: CashRegisterRecord!
    private var session: SessionRecord!

    static let stepCount = 21

    init(store: DealerStore, writer: Int, round: Int) {
        self.store = store
        self.prefix = "w\(writer)r\(round)"
        self.number = writer * 1_000_000 + round * 10
    }

    var isFinished: Bool { nextStep == Self.stepCount }

    /// Runs the next step; on success moves on and returns what it wrote. A step that
    /// throws is not done: calling again retries it.
    func runNextStep() throws -> AcknowledgedWrite {
        let write = try step(nextStep)
        nextStep += 1
        return write
    }

    private func audit(_ method: String, _ user: UserRecord?) -> AuditContext {
        AuditContext(actorUserID: user?.id, actorAccountID: user?.accountID, actingForAccountID: user?.accountID, method: method)
    }

    private func login(_ role: String) -> String { "\(prefix)-\(role)" }

    private func userExists(_ step: String, _ login: String) -> AcknowledgedWrite {
        AcknowledgedWrite(step: step, sql: "SELECT 1 FROM users WHERE login = ?", values: [.text(login)])
    }

    private func row(_ step: String, _ table: String, _ id: Int64, _ condition: String = "1", _ values: [SQLValue] = [])
        -> AcknowledgedWrite
    {
        AcknowledgedWrite(step: step, sql: "SELECT 1 FROM \(table) WHERE id = ? AND \(condition)", values: [.integer(id)] + values)
    }

    private func signUp(_ role: String) throws -> NewAccount {
        try store.signUp(accountName: "\(prefix) \(role)", login: login(role), passwordHash: "hash", now: now, audit: audit("SignUp", nil))
    }

    private func submit(_ from: NewAccount) throws -> ServiceRequestRecord {
        try store.submitRequest(
            clientAccountID: from.account.id, dealerAccountID: dealer.account.id, message: "please", now: now,
            expiresAt: now + 86_400_000, audit: audit("SubmitRequest", from.admin))
    }

    private func accept(_ request: ServiceRequestRecord) throws -> AcknowledgedWrite {
        _ = try store.acceptRequest(
            dealerAccountID: dealer.account.id, requestID: request.id, now: now, audit: audit("AcceptRequest", dealer.admin))
        return row("AcceptRequest", "service_requests", request.id, "status = 'accepted'")
    }

    private func addRegister(_ serial: Int, group: Int64?, organization: Int64) throws -> CashRegisterRecord {
        try store.addRegister(
            accountID: dealer.account.id,
            NewRegister(
                organizationID: organization, groupID: group, model: "ATOL", serialNumber: "SN-\(prefix)-\(serial)",
                registrationNumber: String(1_000_000_000_000_000 + number + serial), fiscalDriveNumber: "9999000000000001",
                name: "till \(serial)", address: "1 Main St"),
            now: now, audit: audit("AddRegister", dealer.admin))
    }

    private var dealerOrganization: Int64 = 0

    private func step(_ index: Int) throws -> AcknowledgedWrite {
        switch index {
        case 0:
            dealer = try signUp("dealer")
            return userExists("SignUp", dealer.admin.login)
        case 1:
            _ = try store.setUserRights(
                accountID: dealer.account.id, userID: dealer.admin.id, isAdmin: true, isDealer: true, now: now,
                audit: audit("SetUserRights", dealer.admin))
            return row("SetUserRights", "users", dealer.admin.id, "is_dealer = 1")
        case 2:
            client = try signUp("client")
            return userExists("SignUp", client.admin.login)
        case 3:
            let user = try store.createUser(
                accountID: client.account.id, login: login("user"), passwordHash: "hash", isAdmin: false, isDealer: false,
                now: now, audit: audit("CreateUser", client.admin))
            return userExists("CreateUser", user.login)
        case 4:
            request = try submit(client)
            return row("SubmitRequest", "service_requests", request.id)
        case 5:
            return try accept(request)
        case 6:
            dealerOrganization = try store.createOrganization(
                accountID: dealer.account.id, name: "Bakery", inn: "7707083893", kpp: nil, now: now,
                audit: audit("CreateOrganization", dealer.admin)).id
            return row("CreateOrganization", "organizations", dealerOrganization)
        case 7:
            let organization = try store.createOrganization(
                accountID: client.account.id, name: "Bakery", inn: "7707083893", kpp: nil, now: now,
                audit: audit("CreateOrganization", client.admin))
            return row("CreateOrganization", "organizations", organization.id)
        case 8:
            group = try store.createGroup(accountID: dealer.account.id, name: "Shop", now: now, audit: audit("CreateGroup", dealer.admin))
            return row("CreateGroup", "register_groups", group.id)
        case 9:
            grouped = try addRegister(1, group: group.id, organization: dealerOrganization)
            return row("AddRegister", "registers", grouped.id)
        case 10:
            loose = try addRegister(2, group: nil, organization: dealerOrganization)
            return row("AddRegister", "registers", loose.id)
        case 11:
            let transfer = TransferRequest(
                dealerAccountID: dealer.account.id, registerIDs: [loose.id], targetAccountID: client.account.id,
                targetGroupID: nil, operationID: UUID().uuidString.lowercased(), fingerprint: [UInt8](repeating: 7, count: 32))
            _ = try store.transferRegisters(
                transfer, dryRun: false, now: now, audit: audit("TransferRegisters", dealer.admin), encode: { _ in [1] })
            return row("TransferRegisters", "registers", loose.id, "account_id = ?", [.integer(client.account.id)])
        case 12:
            let conversion = ConversionRequest(
                dealerAccountID: dealer.account.id, groupID: group.id, accountName: "\(prefix) converted",
                adminLogin: login("converted"), copySharedOrganizations: true, operationID: UUID().uuidString.lowercased(),
                fingerprint: [UInt8](repeating: 9, count: 32))
            _ = try store.convertGroupToClient(
                conversion, passwordHash: "hash", dryRun: false, now: now, audit: audit("ConvertGroupToClient", dealer.admin),
                encode: { _ in [2] })
            return AcknowledgedWrite(
                step: "ConvertGroupToClient",
                sql: "SELECT 1 FROM registers r JOIN users u ON u.account_id = r.account_id WHERE r.id = ? AND u.login = ?",
                values: [.integer(grouped.id), .text(login("converted"))])
        case 13:
            other = try signUp("other")
            return userExists("SignUp", other.admin.login)
        case 14:
            request = try submit(other)
            return row("SubmitRequest", "service_requests", request.id)
        case 15:
            _ = try store.rejectRequest(
                dealerAccountID: dealer.account.id, requestID: request.id, reason: "not now", now: now,
                audit: audit("RejectRequest", dealer.admin))
            return row("RejectRequest", "service_requests", request.id, "status = 'rejected'")
        case 16:
            request = try submit(other)
            return row("SubmitRequest", "service_requests", request.id)
        case 17:
            return try accept(request)
        case 18:
            _ = try store.disconnect(clientAccountID: other.account.id, now: now, audit: audit("Disconnect", other.admin))
            return AcknowledgedWrite(
                step: "Disconnect", sql: "SELECT 1 FROM service_periods WHERE client_account_id = ? AND ended_at IS NOT NULL",
                values: [.integer(other.account.id)])
        case 19:
            let token = Array(UUID().uuidString.utf8.prefix(32))
            session = try store.createSession(
                userID: client.admin.id, verifiedPasswordHash: "hash", tokenHash: token, now: now, expiresAt: now + 86_400_000,
                audit: audit("Login", client.admin))
            return row("Login", "sessions", session.id)
        case 20:
            _ = try store.revokeSession(id: session.id, now: now, audit: audit("Logout", client.admin))
            return row("Logout", "sessions", session.id, "revoked_at IS NOT NULL")
        default:
            preconditionFailure("no step \(index)")
        }
    }
}
