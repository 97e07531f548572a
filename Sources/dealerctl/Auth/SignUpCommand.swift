import ArgumentParser
import DealerProtocol

struct SignUpCommand: RPCCommand {
    static let rpcPath = Auth_V1_AuthService.signUp.path
    static let configuration = CommandConfiguration(
        commandName: "signup", abstract: "Creates an enterprise account and its first user (an administrator).")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The enterprise account's name.")
    var accountName: String

    @Option(help: "The first user's login.")
    var login: String

    @Option(help: "The first user's password (default: $DEALER_PASSWORD).")
    var password: String?

    func run() async throws {
        let password = try resolvePassword(password)
        try await connection.show({
            try await $0.auth.signUp(.init(accountName: accountName, login: login, password: password), options: .anonymous)
        }) { response in
            let account = response.account ?? .init()
            let user = response.user ?? .init()
            print("account \(account.name) (id \(account.id)), user \(user.login) (id \(user.id), \(formatRights(user.rights)))")
        }
    }
}
