import ArgumentParser
import Foundation

/// `dealerctl`: the operator CLI of a dealer server.
@main
struct DealerCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dealerctl",
        abstract: "Talks to a dealerd server: every RPC of every service, grouped by service.",
        discussion: """
            Every command takes --server host:port (or --host/--port) and, where a session is \
            needed, uses --token, else $DEALER_TOKEN, else the session `dealerctl login` stored \
            for that server in $XDG_CONFIG_HOME/dealerctl/ (~/.config/dealerctl/). Output is an \
            aligned table or record; --json prints one JSON document with the proto's field names. \
            Exit codes: 0 ok; 1 the call failed (stderr `CODE REASON: message`); 2 usage error.
            """,
        subcommands: [
            HealthCommand.self, SignUpCommand.self, LoginCommand.self, LogoutCommand.self, WhoAmICommand.self,
            ChangePasswordCommand.self, UsersCommand.self, DealerCommand.self, ClientCommand.self,
            ClientsCommand.self, RequestsCommand.self, RegistersCommand.self, MigrateCommand.self,
        ])

    /// Exit code of a usage error (a bad or missing argument).
    static let usageExitCode: Int32 = 2

    /// ArgumentParser's main, except that usage errors exit 2 instead of 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                exit(withError: ExitCode(usageExitCode))
            }
            exit(withError: error)
        }
    }
}
