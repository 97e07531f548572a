import ArgumentParser
import DealerProtocol

struct GroupsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups", abstract: "Groups (stores, points of sale) of the account's registers.",
        subcommands: [Create.self, List.self, Rename.self, Delete.self])

    static let columns = ["id", "name", "register_count"]

    struct Create: RPCCommand {
        static let rpcPath = Registers_V1_RegisterService.createGroup.path
        static let configuration = CommandConfiguration(abstract: "Adds a group.")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "Its name, unique in the account.")
        var name: String

        func run() async throws {
            try await connection.show({ try await $0.registers.createGroup(.init(name: name)) }) {
                printRows([$0.group ?? .init()], GroupsCommand.columns)
            }
        }
    }

    struct List: RPCCommand {
        static let rpcPath = Registers_V1_RegisterService.listGroups.path
        static let configuration = CommandConfiguration(abstract: "Lists the groups with their register counts.")

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var page: PageOptions

        func run() async throws {
            try await connection.show({
                try await $0.registers.listGroups(.init(pageSize: page.pageSize, pageToken: page.pageToken))
            }) { response in
                printRows(response.groups, GroupsCommand.columns)
                printNextPage(response.nextPageToken)
            }
        }
    }

    struct Rename: RPCCommand {
        static let rpcPath = Registers_V1_RegisterService.renameGroup.path
        static let configuration = CommandConfiguration(abstract: "Renames a group.")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "The group's id.")
        var groupID: Int64

        @Option(help: "Its new name, unique in the account.")
        var name: String

        func run() async throws {
            try await connection.show({ try await $0.registers.renameGroup(.init(groupID: groupID, name: name)) }) {
                printRows([$0.group ?? .init()], GroupsCommand.columns)
            }
        }
    }

    struct Delete: RPCCommand {
        static let rpcPath = Registers_V1_RegisterService.deleteGroup.path
        static let configuration = CommandConfiguration(abstract: "Deletes an empty group.")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "The group's id.")
        var groupID: Int64

        func run() async throws {
            try await connection.show({ try await $0.registers.deleteGroup(.init(groupID: groupID)) }) { _ in
                print("group \(groupID) deleted")
            }
        }
    }
}
