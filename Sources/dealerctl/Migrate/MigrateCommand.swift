import ArgumentParser

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Moves a service center's existing clients to the dealer mechanism (dealer mode).",
        discussion: """
            groups: the clients kept as groups inside the dealer's own account become accounts it serves. \
            accounts: the old per-client accounts send this dealer a service request, which it accepts. \
            Both are safe to re-run after an interruption.
            """,
        subcommands: [MigrateGroups.self, MigrateAccounts.self])
}
