import ArgumentParser
import DealerProtocol
import Foundation

struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Opens a session and prints its token (use it as --token or DEALER_TOKEN).",
        discussion: "export DEALER_TOKEN=$(dealerctl login --login alice)")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The user's login.")
    var login: String

    @Option(help: "The user's password (default: $DEALER_PASSWORD).")
    var password: String?

    func run() async throws {
        let password = try resolvePassword(password)
        try await connection.run { session in
            let response = try await session.call(Auth_V1_AuthService.login, .init(login: login, password: password))
            print(response.token)
        }
    }
}

/// --password, else $DEALER_PASSWORD.
func resolvePassword(_ option: String?) throws -> String {
    if let option { return option }
    if let env = ProcessInfo.processInfo.environment["DEALER_PASSWORD"] { return env }
    throw ValidationError("give --password or set DEALER_PASSWORD")
}
