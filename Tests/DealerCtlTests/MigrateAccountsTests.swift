import DealerClient
import DealerProtocol
import DealerTestSupport
import Foundation
import Testing

@testable import dealerctl

@Suite("migrate accounts against a live server")
struct MigrateAccountsTests {
    private static let password = "old account password"

    private func login(_ connection: DealerConnection, _ login: String) async throws -> String {
        try await connection.call(Auth_V1_AuthService.login, .init(login: login, password: Self.password)).token
    }

    @Test func aRequestLeftPendingByAnInterruptedRunIsFoundAndAccepted() async throws {
        try await withServicesTestServer { server in
            let connection = try await server.connect()
            let dealer = try await connection.call(
                Auth_V1_AuthService.signUp, .init(accountName: "Service", login: "service", password: Self.password))
            _ = try await connection.call(
                Auth_V1_AuthService.setUserRights, .init(userID: dealer.user!.id, rights: [.admin, .dealer]),
                token: try await login(connection, "service"))
            let dealerToken = try await login(connection, "service")
            let dealerID = dealer.account!.id

            // Two old accounts; the first sent its request before the interruption.
            for name in ["old-a", "old-b"] {
                _ = try await connection.call(Auth_V1_AuthService.signUp, .init(accountName: name, login: name, password: Self.password))
            }
            let oldA = try await login(connection, "old-a")
            let pending = try await connection.call(
                Client_V1_ClientService.submitRequest, .init(dealerAccountID: dealerID, message: "first run"), token: oldA)

            let file = FileManager.default.temporaryDirectory.appendingPathComponent("accounts-\(UUID().uuidString).txt").path
            defer { try? FileManager.default.removeItem(atPath: file) }
            try "old-a\t\(Self.password)\nold-b,\(Self.password)\n".write(toFile: file, atomically: true, encoding: .utf8)
            let command = try MigrateAccounts.parse(["--from", file, "--port", "\(server.port)", "--token", dealerToken])
            try await command.run()

            for name in ["old-a", "old-b"] {
                let status = try await connection.call(
                    Client_V1_ClientService.getServiceStatus, .init(), token: try await login(connection, name))
                #expect(status.dealer?.dealerAccountID == dealerID)
            }
            let accepted = try await connection.call(
                Dealer_V1_DealerService.listIncomingRequests, .init(statusFilter: .accepted), token: dealerToken)
            #expect(accepted.requests.count == 2)
            #expect(accepted.requests.contains { $0.id == pending.request!.id })

            // A second run changes nothing and succeeds.
            try await command.run()
            let again = try await connection.call(
                Dealer_V1_DealerService.listIncomingRequests, .init(statusFilter: .unspecified), token: dealerToken)
            #expect(again.requests.count == 2)
            await connection.close()
        }
    }
}
