import ArgumentParser
import DealerProtocol

struct ServiceStatus: RPCCommand {
    static let rpcPath = Client_V1_ClientService.getServiceStatus.path
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Shows the dealer serving this account, if any (GetServiceStatus).")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await connection.show({ try await $0.client.getServiceStatus(.init()) }) { response in
            if let dealer = response.dealer {
                print("served by \(dealer.dealerName) (id \(dealer.dealerAccountID)) since \(formatTime(dealer.sinceMs))")
            } else {
                print("not served by a dealer")
            }
        }
    }
}
