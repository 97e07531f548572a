import DealerClient
import DealerTestSupport

extension TestServer {
    /// Signs up the account "Acme" over a connection of its own and logs its admin in.
    func signUpAdmin() async throws -> TestAccount {
        let connection = try await connect()
        let account: TestAccount
        do {
            account = try await connection.signUpAndLogin(name: "Acme", login: "admin")
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        return account
    }
}
