import ArgumentParser
import DealerProtocol

struct CreateClient: RPCCommand {
    static let rpcPath = Dealer_V1_DealerService.createClient.path
    static let configuration = CommandConfiguration(
        commandName: "create-client", abstract: "\"Add\": creates an enterprise account served by this dealer, with its admin.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The new account's name.")
    var accountName: String

    @Option(help: "Its administrator's login.")
    var adminLogin: String

    @Option(help: "Its administrator's password (default: $DEALER_PASSWORD).")
    var adminPassword: String?

    func run() async throws {
        let password = try resolvePassword(adminPassword)
        try await connection.show({
            try await $0.dealer.createClient(.init(accountName: accountName, adminLogin: adminLogin, adminPassword: password))
        }) { response in
            let account = response.account ?? .init()
            let admin = response.admin ?? .init()
            print("client \(account.name) (id \(account.id)), admin \(admin.login) (id \(admin.id))")
        }
    }
}
