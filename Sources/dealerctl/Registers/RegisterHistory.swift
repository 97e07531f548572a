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
            printTable(
                ["at", "kind", "account", "group", "organization", "user", "transfer"],
                response.entries.map { entry in
                    [
                        formatTime(entry.atMs),
                        "\(entry.kind)".replacingOccurrences(of: "REGISTER_CHANGE_KIND_", with: "").lowercased(),
                        "\(entry.fromAccountID)->\(entry.toAccountID)", "\(entry.fromGroupID)->\(entry.toGroupID)",
                        "\(entry.fromOrganizationID)->\(entry.toOrganizationID)", entry.userLogin,
                        entry.transferID == 0 ? "-" : "\(entry.transferID)",
                    ]
                })
            printNextPage(response.nextPageToken)
        }
    }
}
