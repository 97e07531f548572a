import ArgumentParser
import DealerProtocol

struct MoveRegisters: RPCCommand {
    static let rpcPath = Registers_V1_RegisterService.moveRegistersToGroup.path
    static let configuration = CommandConfiguration(
        commandName: "move", abstract: "Puts active registers into a group (or none): all of them or, if any cannot move, none.")

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .customLong("register-id"), help: "A register to move (repeatable).")
    var registerIDs: [Int64] = []

    @Option(help: "The group (0 = none).")
    var groupID: Int64 = 0

    func run() async throws {
        try await connection.show({ try await $0.registers.moveRegistersToGroup(.init(registerIds: registerIDs, groupID: groupID)) })
    }
}
