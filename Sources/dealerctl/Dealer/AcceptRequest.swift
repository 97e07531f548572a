import ArgumentParser
import DealerProtocol

struct AcceptRequest: RPCCommand {
    static let rpcPath = Dealer_V1_DealerService.acceptRequest.path
    static let configuration = CommandConfiguration(
        commandName: "accept", abstract: "Accepts a pending request: the requesting account is served by this dealer from now on.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The request's id (see `dealer requests list`).")
    var requestID: Int64

    func run() async throws {
        try await connection.show({ try await $0.dealer.acceptRequest(.init(requestID: requestID)) }) {
            printRequests([$0.request ?? .init()])
        }
    }
}
