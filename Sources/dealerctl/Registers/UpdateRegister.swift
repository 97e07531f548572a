import ArgumentParser
import DealerProtocol

struct UpdateRegister: RPCCommand {
    static let rpcPath = Registers_V1_RegisterService.updateRegister.path
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Changes the given fields of an active register (at least one); the others keep their value.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The register's id.")
    var registerID: Int64

    @Option(help: "A new name (\"\" clears it).")
    var name: String?

    @Option(help: "A new address (\"\" clears it).")
    var address: String?

    @Option(help: "A new owner: an organization of the account (a history entry).")
    var organizationID: Int64?

    @Option(help: "A new fiscal drive number (16 digits).")
    var fiscalDriveNumber: String?

    func validate() throws {
        if name == nil, address == nil, organizationID == nil, fiscalDriveNumber == nil {
            throw ValidationError("give at least one of --name, --address, --organization-id, --fiscal-drive-number")
        }
    }

    func run() async throws {
        var request = Registers_V1_UpdateRegisterRequest(registerID: registerID)
        if let name { request.updateFields.append(.name); request.name = name }
        if let address { request.updateFields.append(.address); request.address = address }
        if let organizationID { request.updateFields.append(.organization); request.organizationID = organizationID }
        if let fiscalDriveNumber { request.updateFields.append(.fiscalDriveNumber); request.fiscalDriveNumber = fiscalDriveNumber }
        try await connection.show({ [request] in try await $0.registers.updateRegister(request) }) {
            printRows([$0.register ?? .init()], RegistersCommand.columns)
        }
    }
}
