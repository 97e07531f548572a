import DealerClient
import DealerProtocol

/// What one crash-test writer does over its own connection, one call at a time:
/// `prepare` sets up its accounts before the load, `step` sends its next write.
/// Every write goes through a `CrashCallLog`, which turns its answer into facts.
protocol CrashWorkload: Sendable {
    static func prepare(_ writer: CrashWriterContext, log: inout CrashCallLog) async throws -> Self
    /// Sends write number `sequence` (0, 1, 2, ...) of this writer.
    mutating func step(_ sequence: Int, log: inout CrashCallLog) async throws
}

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

/// SignUp after SignUp: every acknowledged login must exist.
struct SignUpCrashWorkload: CrashWorkload {
    let writer: CrashWriterContext

    static func prepare(_ writer: CrashWriterContext, log: inout CrashCallLog) async throws -> Self { Self(writer: writer) }

    mutating func step(_ sequence: Int, log: inout CrashCallLog) async throws {
        _ = try await writer.signUp("n\(sequence)", logIn: false, log: &log)
    }
}

/// CreateUser after CreateUser by a logged-in admin (every fourth user an admin):
/// every acknowledged login must exist.
struct CreateUserCrashWorkload: CrashWorkload {
    let writer: CrashWriterContext
    let admin: CrashWriterContext.Account

    static func prepare(_ writer: CrashWriterContext, log: inout CrashCallLog) async throws -> Self {
        Self(writer: writer, admin: try await writer.signUp("admin", log: &log))
    }

    mutating func step(_ sequence: Int, log: inout CrashCallLog) async throws {
        let login = "\(writer.loginPrefix)n\(sequence)"
        let rights: [Common_V1_Right] = (sequence + 1) % 4 == 0 ? [.admin] : []
        _ = try await log.write("CreateUser", ifCommitted: [.userExists(login: login)]) { [writer, admin] in
            try await writer.connection.call(
                Auth_V1_AuthService.createUser, .init(login: login, password: CrashRound.password, rights: rights),
                token: admin.token, timeout: CrashWriterContext.timeout)
        } facts: { _ in [.userExists(login: login)] }
    }
}

/// SetUserRights on one user of a plain account, cycling through no rights,
/// admin, dealer, and both: the user must hold the last acknowledged rights
/// (or those of the call in flight at the kill).
struct RightsCrashWorkload: CrashWorkload {
    static let cycle: [[Common_V1_Right]] = [[.admin], [.dealer], [.admin, .dealer], []]

    let writer: CrashWriterContext
    let admin: CrashWriterContext.Account
    let userID: Int64

    static func prepare(_ writer: CrashWriterContext, log: inout CrashCallLog) async throws -> Self {
        let admin = try await writer.signUp("admin", log: &log)
        let login = writer.loginPrefix + "user"
        let user = try await log.write("CreateUser", ifCommitted: [.userExists(login: login)]) {
            try await writer.connection.call(
                Auth_V1_AuthService.createUser, .init(login: login, password: CrashRound.password, rights: []),
                token: admin.token, timeout: CrashWriterContext.timeout)
        } facts: { _ in [.userExists(login: login)] }
        return Self(writer: writer, admin: admin, userID: user.user?.id ?? 0)
    }

    mutating func step(_ sequence: Int, log: inout CrashCallLog) async throws {
        let rights = Self.cycle[sequence % Self.cycle.count]
        let fact = CrashFact.userRights(
            accountID: admin.accountID, userID: userID, admin: rights.contains(.admin), dealer: rights.contains(.dealer))
        _ = try await log.write("SetUserRights", ifCommitted: [fact]) { [writer, admin, userID] in
            try await writer.connection.call(
                Auth_V1_AuthService.setUserRights, .init(userID: userID, rights: rights), token: admin.token,
                timeout: CrashWriterContext.timeout)
        } facts: { _ in [fact] }
    }
}
