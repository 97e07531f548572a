import DealerClient
import DealerProtocol
import Foundation

/// Registers, cycling through six writes: AddRegister (loose, in the dealer's own
/// account), TransferRegisters of it to served client A, then to served client B,
/// CreateGroup, AddRegister into that group, ConvertGroupToClient of the group.
/// Facts: which account (and group) each register is in, and the converted
/// account's admin. A register added in `prepare` stays in the dealer's
/// organization, so the conversion always copies (never moves) it.
struct RegistersCrashWorkload: CrashWorkload {
    typealias Registers = Registers_V1_RegisterService
    typealias Dealer = Dealer_V1_DealerService
    /// A real INN (valid check digits); every account of the writer has an organization with it.
    static let inn = "7707083893"

    let writer: CrashWriterContext
    let dealer: CrashWriterContext.Account
    let clients: [CrashWriterContext.Account]
    let dealerOrganizationID: Int64
    private var registersAdded = 0
    private var looseRegisterID: Int64 = 0
    private var groupID: Int64 = 0
    private var groupedRegisterID: Int64 = 0

    static func prepare(_ writer: CrashWriterContext, log: inout CrashCallLog) async throws -> Self {
        let dealer = try await writer.signUpDealer("dealer", log: &log)
        var clients: [CrashWriterContext.Account] = []
        for index in 0..<2 {
            let client = try await writer.signUp("client\(index)", log: &log)
            let requestID = try await RequestsCrashWorkload.submit(writer, client, to: dealer, log: &log)
            try await RequestsCrashWorkload.answer(writer, dealer, client, requestID, accept: true, log: &log)
            _ = try await organization(writer, client, log: &log)
            clients.append(client)
        }
        let dealerOrganizationID = try await organization(writer, dealer, log: &log)
        var workload = Self(writer: writer, dealer: dealer, clients: clients, dealerOrganizationID: dealerOrganizationID)
        _ = try await workload.addRegister(group: 0, log: &log)
        return workload
    }

    mutating func step(_ sequence: Int, log: inout CrashCallLog) async throws {
        switch sequence % 6 {
        case 0: looseRegisterID = try await addRegister(group: 0, log: &log)
        case 1: try await transfer(looseRegisterID, to: clients[0], log: &log)
        case 2: try await transfer(looseRegisterID, to: clients[1], log: &log)
        case 3:
            // No fact of its own: the register added to the group next is checked to be in it.
            let created = try await log.write("CreateGroup") { [writer, dealer] in
                try await writer.connection.call(
                    Registers.createGroup, .init(name: "crash group \(sequence)"), token: dealer.token,
                    timeout: CrashWriterContext.timeout)
            } facts: { _ in [] }
            groupID = created.group?.id ?? 0
        case 4: groupedRegisterID = try await addRegister(group: groupID, log: &log)
        default: try await convertGroup(groupID, holding: groupedRegisterID, login: "\(writer.loginPrefix)conv\(sequence)", log: &log)
        }
    }

    /// CreateOrganization with `inn` in `account`; returns its id.
    private static func organization(
        _ writer: CrashWriterContext, _ account: CrashWriterContext.Account, log: inout CrashCallLog
    ) async throws -> Int64 {
        let created = try await log.write("CreateOrganization") {
            try await writer.connection.call(
                Registers.createOrganization, .init(name: "crash bakery", inn: inn, kpp: ""), token: account.token,
                timeout: CrashWriterContext.timeout)
        } facts: { _ in [] }
        return created.organization?.id ?? 0
    }

    /// AddRegister in the dealer's own account (and `group`, 0 = none); returns its id.
    private mutating func addRegister(group: Int64, log: inout CrashCallLog) async throws -> Int64 {
        let number = writer.registerNumberBase + registersAdded
        registersAdded += 1
        let request = Registers_V1_AddRegisterRequest(
            organizationID: dealerOrganizationID, groupID: group, model: "ATOL 30F", serialNumber: "C" + Self.digits(number, 16),
            registrationNumber: Self.digits(number, 16), fiscalDriveNumber: "9999" + Self.digits(number % 1_000_000_000_000, 12),
            name: "crash till", address: "1 Crash street")
        let response = try await log.write("AddRegister") { [writer, dealer] in
            try await writer.connection.call(Registers.addRegister, request, token: dealer.token, timeout: CrashWriterContext.timeout)
        } facts: { [dealer] response in
            [.registerIn(accountID: dealer.accountID, registerID: response.register?.id ?? 0, groupID: group == 0 ? nil : group)]
        }
        return response.register?.id ?? 0
    }

    /// TransferRegisters of one register to a served client.
    private func transfer(_ registerID: Int64, to client: CrashWriterContext.Account, log: inout CrashCallLog) async throws {
        let facts: [CrashFact] = [.registerIn(accountID: client.accountID, registerID: registerID, groupID: nil)]
        _ = try await log.write("TransferRegisters", ifCommitted: facts) { [writer, dealer] in
            try await writer.connection.call(
                Dealer.transferRegisters,
                .init(registerIds: [registerID], targetAccountID: client.accountID, operationID: UUID().uuidString),
                token: dealer.token, timeout: CrashWriterContext.timeout)
        } facts: { _ in facts }
    }

    /// ConvertGroupToClient: the group's register ends up in a new account whose admin is `login`.
    private func convertGroup(_ groupID: Int64, holding registerID: Int64, login: String, log: inout CrashCallLog) async throws {
        let facts: [CrashFact] = [.userExists(login: login), .registerInAccountOf(login: login, registerID: registerID)]
        _ = try await log.write("ConvertGroupToClient", ifCommitted: facts) { [writer, dealer] in
            try await writer.connection.call(
                Dealer.convertGroupToClient,
                .init(
                    groupID: groupID, accountName: "crash \(login)", adminLogin: login, adminPassword: CrashRound.password,
                    operationID: UUID().uuidString, copySharedOrganizations: true),
                token: dealer.token, timeout: CrashWriterContext.timeout)
        } facts: { _ in facts }
    }

    /// `n` in `count` digits, zero-padded.
    private static func digits(_ n: Int, _ count: Int) -> String {
        let text = String(n)
        return String(repeating: "0", count: max(0, count - text.count)) + text
    }
}
