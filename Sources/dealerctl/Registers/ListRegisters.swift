import ArgumentParser
import DealerProtocol

struct ListRegisters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Lists the account's registers, by id.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var page: PageOptions

    @Option(help: "Only registers in this group.")
    var groupID: Int64 = 0

    @Option(help: "Only registers owned by this organization.")
    var organizationID: Int64 = 0

    func run() async throws {
        try await connection.run { session in
            let response = try await session.call(
                Registers_V1_RegisterService.listRegisters,
                .init(groupID: groupID, organizationID: organizationID, pageSize: page.pageSize, pageToken: page.pageToken))
            printTable(
                ["id", "account", "organization", "group", "model", "serial", "registration", "state", "name"],
                response.registers.map { register in
                    [
                        "\(register.id)", "\(register.accountID)", "\(register.organizationID)", "\(register.groupID)", register.model,
                        register.serialNumber, register.registrationNumber,
                        "\(register.state)".replacingOccurrences(of: "REGISTER_STATE_", with: "").lowercased(),
                        register.name.isEmpty ? "-" : register.name,
                    ]
                })
            printNextPage(response.nextPageToken)
        }
    }
}
