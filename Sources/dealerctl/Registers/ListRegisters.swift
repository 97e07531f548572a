import ArgumentParser
import DealerProtocol

struct ListRegisters: RPCCommand {
    static let rpcPath = Registers_V1_RegisterService.listRegisters.path
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Lists the account's registers, by id.")

    /// `--state active` → the register state filter.
    enum StateArgument: String, CaseIterable, ExpressibleByArgument {
        case all, active, removed

        var state: Registers_V1_RegisterState { self == .all ? .unspecified : self == .active ? .active : .removed }
    }

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var page: PageOptions

    @Option(help: "Only registers in this group.")
    var groupID: Int64 = 0

    @Option(help: "Only registers owned by this organization.")
    var organizationID: Int64 = 0

    @Option(help: "Only registers in this state.")
    var state = StateArgument.all

    @Flag(help: "Only registers in no group.")
    var withoutGroup = false

    func run() async throws {
        try await connection.show({
            try await $0.registers.listRegisters(
                .init(
                    groupID: groupID, organizationID: organizationID, state: state.state, withoutGroup: withoutGroup,
                    pageSize: page.pageSize, pageToken: page.pageToken))
        }) { response in
            printRows(response.registers, RegistersCommand.columns)
            printNextPage(response.nextPageToken)
        }
    }
}
