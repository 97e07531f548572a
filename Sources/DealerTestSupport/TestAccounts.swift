import DealerClient
import DealerProtocol

/// A signed-up account with a logged-in admin, for service tests.
public struct TestAccount: Sendable {
    public let accountID: Int64
    public let adminUserID: Int64
    public let login: String
    public let password: String
    public let token: String

    public init(accountID: Int64, adminUserID: Int64, login: String, password: String, token: String) {
        self.accountID = accountID
        self.adminUserID = adminUserID
        self.login = login
        self.password = password
        self.token = token
    }
}

extension DealerConnection {
    /// Signs up an account and logs its first user in.
    public func signUpAndLogin(
        name: String, login: String, password: String = "correct horse battery"
    ) async throws -> TestAccount {
        let created = try await call(
            Auth_V1_AuthService.signUp, .init(accountName: name, login: login, password: password))
        let session = try await call(Auth_V1_AuthService.login, .init(login: login, password: password))
        return TestAccount(
            accountID: created.account!.id, adminUserID: created.user!.id, login: login, password: password,
            token: session.token)
    }

    /// Logs in and returns the token.
    public func login(_ login: String, _ password: String) async throws -> String {
        try await call(Auth_V1_AuthService.login, .init(login: login, password: password)).token
    }
}
