import ArgumentParser

struct RegistersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registers",
        abstract: "Cash registers of the session's account, their organizations and groups (changes need the admin right).",
        subcommands: [OrganizationsCommand.self, GroupsCommand.self, AddRegister.self, ListRegisters.self, RegisterHistory.self])
}
