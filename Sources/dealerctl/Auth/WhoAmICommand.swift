import ArgumentParser
import DealerProtocol

struct WhoAmICommand: RPCCommand {
    static let rpcPath = Auth_V1_AuthService.whoAmI.path
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Describes the session of the token.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await connection.show({ try await $0.auth.whoAmI(.init()) }) { printSession($0.session ?? .init()) }
    }
}
