import ArgumentParser
import DealerProtocol

struct ListUsers: RPCCommand {
    static let rpcPath = Auth_V1_AuthService.listUsers.path
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Lists the account's users.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var page: PageOptions

    func run() async throws {
        try await connection.show({
            try await $0.auth.listUsers(.init(pageSize: page.pageSize, pageToken: page.pageToken))
        }) { response in
            printTable(
                ["id", "login", "rights", "disabled", "created"],
                response.users.map {
                    ["\($0.id)", $0.login, formatRights($0.rights), $0.disabled ? "yes" : "no", formatTime($0.createdAtMs)]
                })
            printNextPage(response.nextPageToken)
        }
    }
}
