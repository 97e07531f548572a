import ArgumentParser
import DealerProtocol

struct DeleteUser: RPCCommand {
    static let rpcPath = Auth_V1_AuthService.deleteUser.path
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Disables a user and ends its sessions.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The user's id (see `users list`).")
    var userID: Int64

    func run() async throws {
        try await connection.show({ try await $0.auth.deleteUser(.init(userID: userID)) }) { _ in print("user \(userID) deleted") }
    }
}
