import ArgumentParser
import DealerProtocol

struct GetRegister: RPCCommand {
    static let rpcPath = Registers_V1_RegisterService.getRegister.path
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Shows every field of one register.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The register's id.")
    var registerID: Int64

    func run() async throws {
        try await connection.show({ try await $0.registers.getRegister(.init(registerID: registerID)) })
    }
}
