import ArgumentParser
import DealerProtocol

struct ListUsers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Lists the account's users.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var page: PageOptions

    func run() async throws {
        try await connection.run { session in
            let response = try await session.call(
                Auth_V1_AuthService.listUsers, .init(pageSize: page.pageSize, pageToken: page.pageToken))
            printTable(
                ["id", "login", "rights", "disabled", "created"],
                response.users.map {
                    ["\($0.id)", $0.login, formatRights($0.rights), $0.disabled ? "yes" : "no", formatTime($0.createdAtMs)]
                })
            printNextPage(response.nextPageToken)
        }
    }
}
