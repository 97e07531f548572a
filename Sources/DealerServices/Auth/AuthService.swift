import DealerProtocol
import DealerStore

/// `auth.v1.AuthService`: sign-up, login, sessions, and Administration → Users.
public struct AuthService: Sendable {
    private let environment: ServiceEnvironment

    public init(environment: ServiceEnvironment) {
        self.environment = environment
    }

    private var store: DealerStore { environment.store }
    private var configuration: ServicesConfiguration { environment.configuration }

    public func register(into table: inout MethodTable) {
        typealias Auth = Auth_V1_AuthService
        table.register(Auth.signUp, execution: .hashing) { request, context in try signUp(request, context) }
        table.register(Auth.login, execution: .hashing) { request, context in try login(request, context) }
        table.registerAuthenticated(Auth.logout, .write, in: environment) { _, principal, context in
            _ = try store.revokeSession(id: principal.sessionID, now: environment.now, audit: principal.audit(context.method))
            return Auth_V1_LogoutResponse()
        }
        table.registerSessionRead(Auth.whoAmI, in: environment) { _, principal, _ in
            Auth_V1_WhoAmIResponse(session: Common_V1_SessionInfo(principal))
        }
        table.registerAuthenticated(Auth.changePassword, .write, in: environment, execution: .hashing) { request, principal, context in
            try changePassword(request, principal, context)
        }
        table.registerAuthenticated(Auth.listUsers, .read, in: environment) { request, principal, _ in
            try principal.requireAdmin()
            let page = try PageRequest(pageSize: request.pageSize, pageToken: request.pageToken)
            let users = try store.listUsers(accountID: principal.accountID, cursor: page.cursor, limit: page.limit)
            return Auth_V1_ListUsersResponse(
                users: users.items.map(Common_V1_User.init), nextPageToken: PageRequest.token(users.nextCursor))
        }
        // A dealer acting through LoginToClient administers nothing of the client's users.
        table.registerAuthenticated(Auth.createUser, .write, in: environment, execution: .hashing) { request, principal, context in
            try principal.requireNotImpersonating()
            try principal.requireAdmin()
            let login = try Validation.login(request.login)
            let password = try Validation.password(request.password, bounds: configuration.passwordLength)
            let rights = try Validation.rights(request.rights)
            let user = try store.createUser(
                accountID: principal.accountID, login: login, passwordHash: try environment.hasher.hash(password),
                isAdmin: rights.admin, isDealer: rights.dealer, now: environment.now, audit: principal.audit(context.method))
            return Auth_V1_CreateUserResponse(user: Common_V1_User(user))
        }
        table.registerAuthenticated(Auth.setUserRights, .write, in: environment) { request, principal, context in
            try principal.requireNotImpersonating()
            try principal.requireAdmin()
            let userID = try Validation.id(request.userID, field: "user_id")
            let rights = try Validation.rights(request.rights)
            let changed = try store.changeUserRights(
                accountID: principal.accountID, userID: userID, isAdmin: rights.admin, isDealer: rights.dealer,
                now: environment.now, audit: principal.audit(context.method))
            return Auth_V1_SetUserRightsResponse(
                user: Common_V1_User(changed.user), revokedSessions: UInt32(changed.revokedSessions))
        }
        table.registerAuthenticated(Auth.deleteUser, .write, in: environment) { request, principal, context in
            try principal.requireNotImpersonating()
            try principal.requireAdmin()
            _ = try store.deleteUser(
                accountID: principal.accountID, userID: try Validation.id(request.userID, field: "user_id"), now: environment.now,
                audit: principal.audit(context.method))
            return Auth_V1_DeleteUserResponse()
        }
    }

    private func signUp(_ request: Auth_V1_SignUpRequest, _ context: CallContext) throws -> Auth_V1_SignUpResponse {
        let name = try Validation.accountName(request.accountName)
        let login = try Validation.login(request.login)
        let password = try Validation.password(request.password, bounds: configuration.passwordLength)
        let created = try store.signUp(
            accountName: name, login: login, passwordHash: try environment.hasher.hash(password), now: environment.now,
            audit: AuditContext(method: context.method))
        return Auth_V1_SignUpResponse(account: Common_V1_Account(created.account), user: Common_V1_User(created.admin))
    }

    /// Unknown logins and wrong passwords answer alike and cost alike (a
    /// decoy hash is verified when there is no user). The input is validated
    /// like SignUp's first: a malformed login or password costs no hash and
    /// touches no throttle entry.
    private func login(_ request: Auth_V1_LoginRequest, _ context: CallContext) throws -> Auth_V1_LoginResponse {
        let login = try Validation.login(request.login)
        let password = try Validation.password(request.password, bounds: configuration.passwordLength)
        let now = environment.now
        try environment.throttle.admit(login, now: now)
        let credentials: LoginCredentials?
        let matches: Bool
        do {
            credentials = try store.credentials(forLogin: login)
            matches = try environment.hasher.verify(password, against: credentials?.passwordHash)
        } catch {
            environment.throttle.withdraw(login)  // no verdict on the password
            throw error
        }
        guard matches, let credentials, !credentials.user.isDisabled else {
            throw RPCError(.unauthenticated, .invalidCredentials, "invalid login or password")
        }
        environment.throttle.recordSuccess(login)
        guard !credentials.account.isDeleted else {
            throw RPCError(.unauthenticated, .accountDeleted, "this enterprise account has been deleted")
        }
        let (token, hash) = SessionToken.generate()
        let session = try store.createSession(
            userID: credentials.user.id, verifiedPasswordHash: credentials.passwordHash, tokenHash: hash, now: now, expiresAt: now + configuration.sessionLifetimeMs,
            audit: AuditContext(method: context.method))
        return Auth_V1_LoginResponse(token: token, session: Common_V1_SessionInfo(Principal(session: session)))
    }

    private func changePassword(
        _ request: Auth_V1_ChangePasswordRequest, _ principal: Principal, _ context: CallContext
    ) throws -> Auth_V1_ChangePasswordResponse {
        try principal.requireNotImpersonating()
        let newPassword = try Validation.password(request.newPassword, bounds: configuration.passwordLength)
        let credentials = try store.credentials(forLogin: principal.login)
        guard try environment.hasher.verify(request.currentPassword, against: credentials?.passwordHash) else {
            throw RPCError(.permissionDenied, .invalidCredentials, "the current password is wrong")
        }
        let revoked = try store.changePassword(
            userID: principal.userID, newPasswordHash: try environment.hasher.hash(newPassword),
            keepSessionID: principal.sessionID, now: environment.now, audit: principal.audit(context.method))
        return Auth_V1_ChangePasswordResponse(revokedSessions: UInt32(revoked))
    }
}
