import ArgumentParser
import DealerProtocol

struct FindDealers: RPCCommand {
    static let rpcPath = Client_V1_ClientService.findDealers.path
    static let configuration = CommandConfiguration(
        commandName: "find-dealers", abstract: "Lists dealers (accounts in dealer mode) whose name contains --name.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var page: PageOptions

    @Option(help: "Part of the dealer's name (empty = every dealer).")
    var name = ""

    func run() async throws {
        try await connection.show({
            try await $0.client.findDealers(.init(nameQuery: name, pageSize: page.pageSize, pageToken: page.pageToken))
        }) { response in
            printRows(response.dealers, ["account_id", "name"])
            printNextPage(response.nextPageToken)
        }
    }
}
