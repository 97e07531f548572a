import ArgumentParser
import DealerClient
import DealerProtocol
import Foundation

struct LoginCommand: RPCCommand {
    static let rpcPath = Auth_V1_AuthService.login.path
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Opens a session, stores it for this server and prints its token.",
        discussion: """
            The token is stored in $XDG_CONFIG_HOME/dealerctl/<host>_<port>.session (~/.config when \
            XDG_CONFIG_HOME is unset; file 0600, directory 0700); later commands against the same \
            server use it unless --token or DEALER_TOKEN is given. `dealerctl logout` ends it.
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The user's login.")
    var login: String

    @Option(help: "The user's password (default: $DEALER_PASSWORD).")
    var password: String?

    @Flag(help: "Only print the token; do not store the session.")
    var noStore = false

    func run() async throws {
        let password = try resolvePassword(password)
        try await reportingFailures {
            try await connection.show({ (session: Session) -> Auth_V1_LoginResponse in
                let response = try await session.auth.login(.init(login: login, password: password), options: .anonymous)
                if !noStore { try connection.sessionFile.store(response.token) }
                return response
            }) { print($0.token) }
        }
    }
}

extension CallOptions {
    /// A call that carries no session token (SignUp, Login, Health/Check).
    static var anonymous: CallOptions { CallOptions(token: "") }
}

/// --password, else $DEALER_PASSWORD.
func resolvePassword(_ option: String?) throws -> String {
    if let option { return option }
    if let env = ProcessInfo.processInfo.environment["DEALER_PASSWORD"] { return env }
    throw ValidationError("give --password or set DEALER_PASSWORD")
}
