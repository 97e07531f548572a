import ArgumentParser
import DealerProtocol

/// `dealer block` and `dealer unblock`: SetRequestBlocked with blocked true or false.
struct BlockRequest: RPCCommand {
    static let rpcPath = Dealer_V1_DealerService.setRequestBlocked.path
    static let configuration = CommandConfiguration(
        commandName: "block",
        abstract: "Blocks the account that sent a request: it cannot send this dealer new requests (SetRequestBlocked).")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The request's id (see `dealer requests list`).")
    var requestID: Int64

    func run() async throws {
        try await setBlocked(true, requestID: requestID, connection)
    }
}

struct UnblockRequest: RPCCommand {
    static let rpcPath = Dealer_V1_DealerService.setRequestBlocked.path
    static let configuration = CommandConfiguration(
        commandName: "unblock", abstract: "Clears a request's block: its account may send this dealer requests again.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The request's id (see `dealer requests list`).")
    var requestID: Int64

    func run() async throws {
        try await setBlocked(false, requestID: requestID, connection)
    }
}

private func setBlocked(_ blocked: Bool, requestID: Int64, _ connection: ConnectionOptions) async throws {
    try await connection.show({ try await $0.dealer.setRequestBlocked(.init(requestID: requestID, blocked: blocked)) }) {
        printRequests([$0.request ?? .init()])
    }
}
