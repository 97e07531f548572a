import ArgumentParser
import DealerProtocol

struct SetUserRights: RPCCommand {
    static let rpcPath = Auth_V1_AuthService.setUserRights.path
    static let configuration = CommandConfiguration(
        commandName: "set-rights",
        abstract: "Replaces a user's rights and ends its sessions (they apply from its next login).")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The user's id (see `users list`).")
    var userID: Int64

    @Option(name: .customLong("right"), help: "A right to hold (repeatable; none = no rights).")
    var rights: [RightArgument] = []

    func run() async throws {
        try await connection.show({
            try await $0.auth.setUserRights(.init(userID: userID, rights: rights.map(\.right)))
        }) { response in
            let user = response.user ?? .init()
            print("user \(user.login) (id \(user.id)): \(formatRights(user.rights)); \(response.revokedSessions) session(s) ended")
        }
    }
}
