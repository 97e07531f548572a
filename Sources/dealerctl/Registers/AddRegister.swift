import ArgumentParser
import DealerProtocol

struct AddRegister: RPCCommand {
    static let rpcPath = Registers_V1_RegisterService.addRegister.path
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Adds a cash register.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The owning organization's id.")
    var organizationID: Int64

    @Option(help: "The group's id (0 = none).")
    var groupID: Int64 = 0

    @Option(help: "The model.")
    var model: String

    @Option(help: "The factory number (letters, digits, '-').")
    var serialNumber: String

    @Option(help: "The registration number (16 digits).")
    var registrationNumber: String

    @Option(help: "The fiscal drive number (16 digits).")
    var fiscalDriveNumber: String

    @Option(help: "A name for people.")
    var name = ""

    @Option(help: "Where it stands.")
    var address = ""

    func run() async throws {
        try await connection.show({
            try await $0.registers.addRegister(
                .init(
                    organizationID: organizationID, groupID: groupID, model: model, serialNumber: serialNumber,
                    registrationNumber: registrationNumber, fiscalDriveNumber: fiscalDriveNumber, name: name, address: address))
        }) { printRows([$0.register ?? .init()], RegistersCommand.columns) }
    }
}
