import ArgumentParser
import DealerProtocol

struct ClientsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clients", abstract: "The accounts this dealer serves (dealer mode).",
        subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists the served accounts.")

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var page: PageOptions

        func run() async throws {
            try await connection.run { session in
                let response = try await session.call(
                    Dealer_V1_DealerService.listClients, .init(pageSize: page.pageSize, pageToken: page.pageToken))
                printTable(
                    ["account_id", "name", "served_since"],
                    response.clients.map { ["\($0.accountID)", $0.name, formatTime($0.servedSinceMs)] })
                printNextPage(response.nextPageToken)
            }
        }
    }
}
