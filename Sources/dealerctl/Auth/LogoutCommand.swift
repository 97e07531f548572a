import ArgumentParser
import DealerProtocol

struct LogoutCommand: RPCCommand {
    static let rpcPath = Auth_V1_AuthService.logout.path
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Ends the session (Auth/Logout) and removes the stored session file of this server.",
        discussion: """
            The stored file is removed when the session ended is the stored one (no --token or \
            DEALER_TOKEN naming another), even when the server answers that it had already expired.
            """)

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let file = connection.sessionFile
        let token = connection.sessionToken
        guard !token.isEmpty else { throw ValidationError("no session: log in first, or give --token or DEALER_TOKEN") }
        let endsStoredSession = file.read() == token
        try await reportingFailures {
            do {
                try await connection.show({ try await $0.auth.logout(.init()) }) { _ in print("logged out") }
            } catch {
                if endsStoredSession { try file.remove() }
                throw error
            }
            if endsStoredSession { try file.remove() }
        }
    }
}
