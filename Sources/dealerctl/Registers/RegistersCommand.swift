import ArgumentParser

struct RegistersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registers",
        abstract: "registers.v1.RegisterService: the account's cash registers, their organizations and groups (changes need the admin right).",
        subcommands: [
            OrganizationsCommand.self, GroupsCommand.self, AddRegister.self, ListRegisters.self, GetRegister.self,
            UpdateRegister.self, MoveRegisters.self, RemoveRegister.self, RegisterHistory.self,
        ])

    /// The columns of register tables.
    static let columns = [
        "id", "account_id", "organization_id", "group_id", "model", "serial_number", "registration_number", "state", "name",
    ]
}
