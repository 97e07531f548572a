import DealerClient
import DealerProtocol

/// What a writer gets: its connection and the names and numbers only it uses.
struct CrashWriterContext: Sendable {
    let connection: DealerConnection
    /// Unique per run, round and writer; every login of the writer starts with it.
    let loginPrefix: String
    /// Unique per run, round and writer; register numbers are this plus a count below 1,000,000.
    let registerNumberBase: Int

    static let timeout = Duration.seconds(10)

    /// A logged-in account admin, acknowledged by its SignUp.
    struct Account: Sendable {
        let accountID: Int64
        let adminUserID: Int64
        var token: String
    }

    /// Signs up an account (a fact) and, unless told not to, logs its admin in.
    func signUp(_ role: String, logIn: Bool = true, log: inout CrashCallLog) async throws -> Account {
        let login = loginPrefix + role
        let response = try await log.write("SignUp", ifCommitted: [.userExists(login: login)]) {
            try await connection.call(
                Auth_V1_AuthService.signUp, .init(accountName: "crash \(login)", login: login, password: CrashRound.password),
                timeout: Self.timeout)
        } facts: { _ in [.userExists(login: login)] }
        let token = logIn ? try await self.login(login) : ""
        return Account(accountID: response.account?.id ?? 0, adminUserID: response.user?.id ?? 0, token: token)
    }

    /// Signs up an account whose admin holds the dealer right (a fact), logged in again for dealer mode.
    func signUpDealer(_ role: String, log: inout CrashCallLog) async throws -> Account {
        var dealer = try await signUp(role, log: &log)
        let rights = CrashFact.userRights(accountID: dealer.accountID, userID: dealer.adminUserID, admin: true, dealer: true)
        _ = try await log.write("SetUserRights", ifCommitted: [rights]) {
            try await connection.call(
                Auth_V1_AuthService.setUserRights, .init(userID: dealer.adminUserID, rights: [.admin, .dealer]),
                token: dealer.token, timeout: Self.timeout)
        } facts: { _ in [rights] }
        dealer.token = try await login(loginPrefix + role)
        return dealer
    }

    func login(_ login: String) async throws -> String {
        try await connection.call(
            Auth_V1_AuthService.login, .init(login: login, password: CrashRound.password), timeout: Self.timeout
        ).token
    }
}
