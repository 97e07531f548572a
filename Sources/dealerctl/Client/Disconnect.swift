import ArgumentParser
import DealerProtocol

struct Disconnect: RPCCommand {
    static let rpcPath = Client_V1_ClientService.disconnect.path
    static let configuration = CommandConfiguration(
        commandName: "disconnect", abstract: "Leaves the dealer that serves this account.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await connection.show({ try await $0.client.disconnect(.init()) }) { response in
            let former = response.formerDealer ?? .init()
            print("disconnected from \(former.dealerName) (id \(former.dealerAccountID))")
        }
    }
}
