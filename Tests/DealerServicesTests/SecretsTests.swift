import DealerClient
import DealerProtocol
import DealerTestSupport
import Foundation
import Testing

@Suite("Secrets never reach the database or the logs")
struct SecretsTests {
    @Test("after a scripted session no raw token or password is in the db files or the logs")
    func noSecretsAtRest() async throws {
        let recorder = RecordingLogHandler.Recorder()
        try await withServicesTestServer(logger: recorder.logger()) { server in
            let connection = try await server.connect()
            let password = "Sup3r-Secret-Passw0rd"
            let newPassword = "An0ther-Secret-Passw0rd"
            let account = try await connection.signUpAndLogin(name: "Secretive", login: "keeper", password: password)
            let second = try await connection.login("keeper", password)
            _ = try await connection.call(Auth.whoAmI, .init(), token: account.token)
            _ = try await connection.call(
                Auth.createUser, .init(login: "helper", password: password + "-2"), token: account.token)
            _ = try await connection.call(
                Auth.changePassword, .init(currentPassword: password, newPassword: newPassword), token: account.token)
            _ = try? await connection.call(Auth.login, .init(login: "keeper", password: "Wrong-" + password))
            _ = try await connection.call(Auth.logout, .init(), token: account.token)
            await connection.close()
            let directory = try #require(server.databaseDirectory)
            await server.server.shutdown()

            let secrets = [password, password + "-2", newPassword, "Wrong-" + password, account.token, second]
            var haystack = Data()
            for file in try FileManager.default.contentsOfDirectory(atPath: directory) {
                haystack.append(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file)))
            }
            #expect(haystack.count > 4096, "the database files were read")
            let logs = recorder.all.joined(separator: "\n")
            #expect(!recorder.all.isEmpty, "something was logged")
            for secret in secrets {
                #expect(haystack.range(of: Data(secret.utf8)) == nil, "a secret is in the database files")
                #expect(!logs.contains(secret), "a secret is in the logs")
            }
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}
