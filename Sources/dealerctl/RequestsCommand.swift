import ArgumentParser
import DealerProtocol

struct RequestsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requests", abstract: "Service requests addressed to this dealer (dealer mode).",
        subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists incoming requests, newest first.")

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var page: PageOptions

        @Option(help: "Only requests in this state.")
        var status = StatusArgument.all

        func run() async throws {
            try await connection.run { session in
                let response = try await session.call(
                    Dealer_V1_DealerService.listIncomingRequests,
                    .init(statusFilter: status.status, pageSize: page.pageSize, pageToken: page.pageToken))
                printRequests(response.requests, nextPageToken: response.nextPageToken)
            }
        }
    }
}
