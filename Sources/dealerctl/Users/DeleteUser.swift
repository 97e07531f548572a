import ArgumentParser
import DealerProtocol

struct DeleteUser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Disables a user and ends its sessions.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The user's id (see `users list`).")
    var userID: Int64

    func run() async throws {
        try await connection.run { session in
            _ = try await session.call(Auth_V1_AuthService.deleteUser, .init(userID: userID))
            print("user \(userID) deleted")
        }
    }
}
