import ArgumentParser
import DealerProtocol

struct GroupsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups", abstract: "Groups (stores, points of sale) of the account's registers.",
        subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Adds a group.")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "Its name, unique in the account.")
        var name: String

        func run() async throws {
            try await connection.run { session in
                let group = try await session.call(Registers_V1_RegisterService.createGroup, .init(name: name)).group ?? .init()
                print("group \(group.name) (id \(group.id))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists the groups with their register counts.")

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var page: PageOptions

        func run() async throws {
            try await connection.run { session in
                let response = try await session.call(
                    Registers_V1_RegisterService.listGroups, .init(pageSize: page.pageSize, pageToken: page.pageToken))
                printTable(["id", "name", "registers"], response.groups.map { ["\($0.id)", $0.name, "\($0.registerCount)"] })
                printNextPage(response.nextPageToken)
            }
        }
    }
}
