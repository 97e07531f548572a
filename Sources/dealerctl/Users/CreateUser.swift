import ArgumentParser
import DealerProtocol

struct CreateUser: AsyncParsableCommand {
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
        try await connection.run { session in
            let response = try await session.call(
                Auth_V1_AuthService.createUser, .init(login: login, password: password, rights: rights.map(\.right)))
            let user = response.user ?? .init()
            print("user \(user.login) (id \(user.id), \(formatRights(user.rights)))")
        }
    }
}
