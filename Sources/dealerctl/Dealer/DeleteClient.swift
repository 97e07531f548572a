import ArgumentParser
import DealerProtocol

struct DeleteClient: RPCCommand {
    static let rpcPath = Dealer_V1_DealerService.deleteClient.path
    static let configuration = CommandConfiguration(
        commandName: "delete-client", abstract: "Deletes a served account (refused while it holds active registers).")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The served account's id (see `dealer clients list`).")
    var accountID: Int64

    func run() async throws {
        try await connection.show({ try await $0.dealer.deleteClient(.init(accountID: accountID)) }) { _ in
            print("client \(accountID) deleted")
        }
    }
}
