import ArgumentParser
import DealerProtocol

struct LoginToClient: RPCCommand {
    static let rpcPath = Dealer_V1_DealerService.loginToClient.path
    static let configuration = CommandConfiguration(
        commandName: "login-to-client",
        abstract: "Opens a short-lived session in a served account and prints its token (not stored).",
        discussion: "Use the token with --token; what the dealer does with it shows in the client's `client audit`.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The served account's id (see `dealer clients list`).")
    var accountID: Int64

    func run() async throws {
        try await connection.show({ try await $0.dealer.loginToClient(.init(accountID: accountID)) }) { print($0.token) }
    }
}
