import ArgumentParser
import DealerProtocol

struct WhoAmICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Describes the session of the token.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await connection.run { session in
            let response = try await session.call(Auth_V1_AuthService.whoAmI, .init())
            printSession(response.session ?? .init())
        }
    }
}
