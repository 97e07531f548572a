import ArgumentParser
import DealerProtocol

struct RegisterHistory: RPCCommand {
    static let rpcPath = Registers_V1_RegisterService.getRegisterHistory.path
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Every change of a register's account, group or organization, oldest first.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var page: PageOptions

    @Option(help: "The register's id.")
    var registerID: Int64

    func run() async throws {
        try await connection.show({
            try await $0.registers.getRegisterHistory(.init(registerID: registerID, pageSize: page.pageSize, pageToken: page.pageToken))
        }) { response in
            printRows(
                response.entries,
                [
                    "at_ms", "kind", "from_account_id", "to_account_id", "from_group_id", "to_group_id", "from_organization_id",
                    "to_organization_id", "user_login", "transfer_id",
                ])
            printNextPage(response.nextPageToken)
        }
    }
}
