import ArgumentParser
import DealerProtocol

struct RejectRequest: RPCCommand {
    static let rpcPath = Dealer_V1_DealerService.rejectRequest.path
    static let configuration = CommandConfiguration(
        commandName: "reject", abstract: "Rejects a pending request, with an optional reason the client sees.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The request's id (see `dealer requests list`).")
    var requestID: Int64

    @Option(help: "Why (shown to the client as reject_reason).")
    var reason = ""

    func run() async throws {
        try await connection.show({ try await $0.dealer.rejectRequest(.init(requestID: requestID, reason: reason)) }) {
            printRequests([$0.request ?? .init()])
        }
    }
}
