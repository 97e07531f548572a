import ArgumentParser
import DealerProtocol

struct CreateUser: RPCCommand {
    static let rpcPath = Auth_V1_AuthService.createUser.path
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Adds a user to the account.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The new user's login.")
    var login: String

    @Option(help: "The new user's password (default: $DEALER_PASSWORD).")
    var password: String?

    @Option(name: .customLong("right"), help: "A right to give (repeatable).")
    var rights: [RightArgument] = []

    func run() async throws {
        let password = try resolvePassword(password)
        try await connection.show({
            try await $0.auth.createUser(.init(login: login, password: password, rights: rights.map(\.right)))
        }) { response in
            let user = response.user ?? .init()
            print("user \(user.login) (id \(user.id), \(formatRights(user.rights)))")
        }
    }
}
