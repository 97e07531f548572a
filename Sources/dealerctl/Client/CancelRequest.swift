import ArgumentParser
import DealerProtocol

struct CancelRequest: RPCCommand {
    static let rpcPath = Client_V1_ClientService.cancelRequest.path
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancels a request of this account that is still pending.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The request's id (see `client requests`).")
    var requestID: Int64

    func run() async throws {
        try await connection.show({ try await $0.client.cancelRequest(.init(requestID: requestID)) }) {
            printRequests([$0.request ?? .init()])
        }
    }
}
