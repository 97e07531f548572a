import ArgumentParser
import DealerProtocol

struct SubmitRequest: RPCCommand {
    static let rpcPath = Client_V1_ClientService.submitRequest.path
    static let configuration = CommandConfiguration(
        commandName: "submit", abstract: "Asks a dealer to serve this account (while no dealer serves it).")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The dealer's account id (see `client find-dealers`).")
    var dealerAccountID: Int64

    @Option(help: "A message to the dealer.")
    var message = ""

    func run() async throws {
        try await connection.show({
            try await $0.client.submitRequest(.init(dealerAccountID: dealerAccountID, message: message))
        }) { printRequests([$0.request ?? .init()]) }
    }
}
