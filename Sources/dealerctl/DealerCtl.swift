import ArgumentParser

/// `dealerctl`: the operator CLI of a dealer server.
@main
struct DealerCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dealerctl",
        abstract: "Talks to a dealerd server: health, accounts, sessions, users, clients, requests, registers and migration.",
        discussion: """
            Every command takes --host, --port and, where a session is needed, --token \
            (or the DEALER_TOKEN environment variable; `dealerctl login` prints one). \
            A failed call prints `CODE REASON: message` on stderr and exits 1.
            """,
        subcommands: [
            HealthCommand.self, SignUpCommand.self, LoginCommand.self, WhoAmICommand.self,
            UsersCommand.self, ClientsCommand.self, RequestsCommand.self, RegistersCommand.self, MigrateCommand.self,
        ])
}
