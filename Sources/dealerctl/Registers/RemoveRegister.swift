import ArgumentParser
import DealerProtocol

struct RemoveRegister: RPCCommand {
    static let rpcPath = Registers_V1_RegisterService.removeRegister.path
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Removes a register (soft): it leaves its group, keeps its history; its numbers stay reserved.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The register's id.")
    var registerID: Int64

    func run() async throws {
        try await connection.show({ try await $0.registers.removeRegister(.init(registerID: registerID)) }) {
            printRows([$0.register ?? .init()], RegistersCommand.columns)
        }
    }
}
