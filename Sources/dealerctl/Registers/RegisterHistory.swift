import ArgumentParser
import DealerProtocol

struct RegisterHistory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Every change of a register's account, group or organization, oldest first.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var page: PageOptions

    @Option(help: "The register's id.")
    var registerID: Int64

    func run() async throws {
        try await connection.run { session in
            let response = try await session.call(
                Registers_V1_RegisterService.getRegisterHistory,
                .init(registerID: registerID, pageSize: page.pageSize, pageToken: page.pageToken))
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
