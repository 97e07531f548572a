import ArgumentParser
import DealerProtocol

struct ListAuditEvents: RPCCommand {
    static let rpcPath = Client_V1_ClientService.listAuditEvents.path
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Lists what was done in this account, dealers' visits (LoginToClient) included.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var page: PageOptions

    func run() async throws {
        try await connection.show({
            try await $0.client.listAuditEvents(.init(pageSize: page.pageSize, pageToken: page.pageToken))
        }) { response in
            printRows(response.events, ["id", "at_ms", "actor_login", "impersonator.dealer_login", "method", "object", "result"])
            printNextPage(response.nextPageToken)
        }
    }
}
