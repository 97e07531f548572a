import DealerClient
import DealerProtocol

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
