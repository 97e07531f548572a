import ArgumentParser
import DealerProtocol

struct ListTransfers: RPCCommand {
    static let rpcPath = Dealer_V1_DealerService.listTransfers.path
    static let configuration = CommandConfiguration(
        commandName: "transfers", abstract: "Lists this dealer's past register transfers and group conversions, newest first.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var page: PageOptions

    func run() async throws {
        try await connection.show({
            try await $0.dealer.listTransfers(.init(pageSize: page.pageSize, pageToken: page.pageToken))
        }) { response in
            printRows(
                response.transfers,
                ["id", "kind", "performed_at_ms", "user_login", "source_account_ids", "target_account_id", "register_count", "operation_id"])
            printNextPage(response.nextPageToken)
        }
    }
}
