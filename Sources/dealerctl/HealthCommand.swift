import ArgumentParser
import DealerProtocol

struct HealthCommand: RPCCommand {
    static let rpcPath = Health_V1_Health.check.path
    static let configuration = CommandConfiguration(
        commandName: "health", abstract: "Health/Check: exits 0 when the server (or --service) is serving, else 1.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "A full service name such as dealer.v1.DealerService (default: the whole server).")
    var service = ""

    func run() async throws {
        var serving = false
        try await connection.show({ (session: Session) -> Health_V1_CheckResponse in
            let response = try await session.health.check(.init(service: service), options: .anonymous)
            serving = response.status == .serving
            return response
        }) { print("\($0.status)".replacingOccurrences(of: "SERVING_STATUS_", with: "")) }
        if !serving { throw ExitCode.failure }
    }
}
