import ArgumentParser
import DealerProtocol

struct ListMyRequests: RPCCommand {
    static let rpcPath = Client_V1_ClientService.listMyRequests.path
    static let configuration = CommandConfiguration(
        commandName: "requests", abstract: "Lists the requests this account has sent, newest first.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var page: PageOptions

    @Option(help: "Only requests in this state.")
    var status = StatusArgument.all

    func run() async throws {
        try await connection.show({
            try await $0.client.listMyRequests(.init(statusFilter: status.status, pageSize: page.pageSize, pageToken: page.pageToken))
        }) { printRequests($0.requests, nextPageToken: $0.nextPageToken) }
    }
}
