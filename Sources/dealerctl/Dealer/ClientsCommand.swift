import ArgumentParser
import DealerProtocol

struct ClientsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clients", abstract: "The accounts this dealer serves (dealer mode).",
        subcommands: [List.self])

    struct List: RPCCommand {
        static let rpcPath = Dealer_V1_DealerService.listClients.path
        static let configuration = CommandConfiguration(abstract: "Lists the served accounts.")

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var page: PageOptions

        func run() async throws {
            try await connection.show({
                try await $0.dealer.listClients(.init(pageSize: page.pageSize, pageToken: page.pageToken))
            }) { response in
                printRows(response.clients, ["account_id", "name", "served_since_ms"])
                printNextPage(response.nextPageToken)
            }
        }
    }
}
