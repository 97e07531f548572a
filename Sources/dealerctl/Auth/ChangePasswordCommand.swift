import ArgumentParser
import DealerProtocol

struct ChangePasswordCommand: RPCCommand {
    static let rpcPath = Auth_V1_AuthService.changePassword.path
    static let configuration = CommandConfiguration(
        commandName: "change-password", abstract: "Changes the session user's password; its other sessions end.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The current password (default: $DEALER_PASSWORD).")
    var currentPassword: String?

    @Option(help: "The new password.")
    var newPassword: String

    func run() async throws {
        let current = try resolvePassword(currentPassword)
        try await connection.show({
            try await $0.auth.changePassword(.init(currentPassword: current, newPassword: newPassword))
        }) { print("password changed; \($0.revokedSessions) session(s) ended") }
    }
}
