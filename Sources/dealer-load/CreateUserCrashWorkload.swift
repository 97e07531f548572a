import DealerClient
import DealerProtocol

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
