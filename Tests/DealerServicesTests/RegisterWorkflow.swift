import DealerClient
import DealerProtocol
import DealerTestSupport
import Foundation
import Testing

/// Organizations, groups and registers for the register and transfer tests, over the protocol.
enum RegisterWorkflow {
    typealias Registers = Registers_V1_RegisterService
    typealias Dealer = Dealer_V1_DealerService

    /// Real INNs with valid check digits.
    static let sberbankINN = "7707083893"
    static let yandexINN = "7736207543"
    static let vtbINN = "7702070139"
    static let entrepreneurINN = "500100732259"

    static func organization(
        _ net: DealerConnection, _ token: String, name: String = "Org", inn: String, kpp: String = ""
    ) async throws -> Registers_V1_Organization {
        try await net.call(Registers.createOrganization, .init(name: name, inn: inn, kpp: kpp), token: token).organization!
    }

    static func group(_ net: DealerConnection, _ token: String, name: String) async throws -> Registers_V1_Group {
        try await net.call(Registers.createGroup, .init(name: name), token: token).group!
    }

    /// The request for register number `n`: serial `SN-n`, registration and fiscal drive numbers from `n`.
    static func newRegister(_ n: Int, organization: Int64, group: Int64 = 0) -> Registers_V1_AddRegisterRequest {
        Registers_V1_AddRegisterRequest(
            organizationID: organization, groupID: group, model: "ATOL 30F", serialNumber: "SN-\(n)",
            registrationNumber: digits(n, 16), fiscalDriveNumber: "9999" + digits(n % 1_000_000_000_000, 12),
            name: "Till \(n)", address: "Shop street \(n)")
    }

    /// `n` in `count` digits, zero-padded.
    static func digits(_ n: Int, _ count: Int) -> String {
        let text = String(n)
        return String(repeating: "0", count: max(0, count - text.count)) + text
    }

    static func addRegister(
        _ net: DealerConnection, _ token: String, _ n: Int, organization: Int64, group: Int64 = 0
    ) async throws -> Registers_V1_CashRegister {
        try await net.call(Registers.addRegister, newRegister(n, organization: organization, group: group), token: token)
            .register!
    }

    /// Registers `range` added at once (each its own call), by id.
    static func addRegisters(
        _ net: DealerConnection, _ token: String, _ range: Range<Int>, organization: Int64, group: Int64 = 0
    ) async throws -> [Registers_V1_CashRegister] {
        try await withThrowingTaskGroup(of: Registers_V1_CashRegister.self) { tasks in
            for n in range {
                tasks.addTask { try await addRegister(net, token, n, organization: organization, group: group) }
            }
            var added: [Registers_V1_CashRegister] = []
            for try await register in tasks { added.append(register) }
            return added.sorted { $0.id < $1.id }
        }
    }

    static func history(_ net: DealerConnection, _ token: String, _ registerID: Int64) async throws
        -> [Registers_V1_RegisterHistoryEntry]
    {
        try await net.call(Registers.getRegisterHistory, .init(registerID: registerID, pageSize: 500), token: token).entries
    }

    static func operationID() -> String { UUID().uuidString }

    /// Every register of the account (one page of at most 500).
    static func registers(_ net: DealerConnection, _ token: String) async throws -> [Registers_V1_CashRegister] {
        try await net.call(Registers.listRegisters, .init(pageSize: 500), token: token).registers
    }
}

extension RegisterWorkflow {
    /// A register with random numbers (unique across one test server in practice).
    static func randomRegister(organization: Int64, group: Int64 = 0) -> Registers_V1_AddRegisterRequest {
        var request = newRegister(Int.random(in: 1..<9_999_999_999_999_999), organization: organization, group: group)
        request.serialNumber = "R-\(UInt64.random(in: 0..<1_000_000_000_000_000))"
        return request
    }
}
