import ArgumentParser

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Administration -> Users of the session's account (admin right).",
        subcommands: [ListUsers.self, CreateUser.self, SetUserRights.self, DeleteUser.self])
}
