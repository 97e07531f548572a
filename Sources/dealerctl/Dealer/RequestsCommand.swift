import ArgumentParser
import DealerProtocol

struct RequestsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requests", abstract: "Service requests addressed to this dealer (dealer mode).",
        subcommands: [List.self])

    struct List: RPCCommand {
        static let rpcPath = Dealer_V1_DealerService.listIncomingRequests.path
        static let configuration = CommandConfiguration(abstract: "Lists incoming requests, newest first.")

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var page: PageOptions

        @Option(help: "Only requests in this state.")
        var status = StatusArgument.all

        func run() async throws {
            try await connection.show({
                try await $0.dealer.listIncomingRequests(
                    .init(statusFilter: status.status, pageSize: page.pageSize, pageToken: page.pageToken))
            }) { printRequests($0.requests, nextPageToken: $0.nextPageToken) }
        }
    }
}
