import ArgumentParser
import DealerProtocol

struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health", abstract: "Health/Check: exits 0 when the server (or --service) is serving.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "A full service name such as dealer.v1.DealerService (default: the whole server).")
    var service = ""

    func run() async throws {
        var serving = false
        try await connection.run { session in
            let response = try await session.call(Health_V1_Health.check, .init(service: service))
            print("\(response.status)".replacingOccurrences(of: "SERVING_STATUS_", with: ""))
            serving = response.status == .serving
        }
        if !serving { throw ExitCode.failure }
    }
}
