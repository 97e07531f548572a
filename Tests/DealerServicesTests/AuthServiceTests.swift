import DealerClient
import DealerProtocol
import DealerServices
import DealerStore
import DealerTestSupport
import Testing

typealias Auth = Auth_V1_AuthService

/// Expects `body` to fail with `code` and `reason`.
func expectRPCError<T>(
    _ code: StatusCode, _ reason: RPCError.Reason,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T
) async {
    do {
        _ = try await body()
        Issue.record("expected \(code) \(reason), but the call succeeded", sourceLocation: sourceLocation)
    } catch let error as RPCError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        #expect(error.reason == reason, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected RPCError, got \(error)", sourceLocation: sourceLocation)
    }
}

@Suite("Auth: sign-up, login, sessions")
struct AuthServiceTests {
    @Test("SignUp creates an account whose first user is admin; Login and WhoAmI describe the session")
    func signUpLoginWhoAmI() async throws {
        try await withServicesTestServer { server in
            let connection = try await server.connect()
            let created = try await connection.call(
                Auth.signUp, .init(accountName: "  Acme Service  ", login: "alice", password: "alice-password"))
            #expect(created.account?.name == "Acme Service")
            #expect(created.user?.rights == [.admin])
            let login = try await connection.call(Auth.login, .init(login: "ALICE", password: "alice-password"))
            #expect(login.token.count == 64)
            #expect(login.session?.login == "alice")
            #expect(login.session?.dealerMode == false)
            let me = try await connection.call(Auth.whoAmI, .init(), token: login.token)
            #expect(me.session?.userID == created.user?.id)
            #expect(me.session?.accountID == created.account?.id)
            #expect(me.session?.impersonator == nil)
            await connection.close()
        }
    }

    @Test("a login is unique across the service, case-insensitively")
    func loginTaken() async throws {
        try await withServicesTestServer { server in
            let connection = try await server.connect()
            _ = try await connection.signUpAndLogin(name: "A", login: "bob")
            await expectRPCError(.alreadyExists, .loginTaken) {
                try await connection.call(Auth.signUp, .init(accountName: "B", login: "BOB", password: "another-password"))
            }
            await connection.close()
        }
    }

    @Test("bad input gets INVALID_ARGUMENT with a stable reason")
    func invalidInput() async throws {
        try await withServicesTestServer { server in
            let connection = try await server.connect()
            await expectRPCError(.invalidArgument, .invalidPassword) {
                try await connection.call(Auth.signUp, .init(accountName: "A", login: "carol", password: "short"))
            }
            await expectRPCError(.invalidArgument, .invalidPassword) {
                try await connection.call(
                    Auth.signUp, .init(accountName: "A", login: "carol", password: String(repeating: "x", count: 129)))
            }
            await expectRPCError(.invalidArgument, .invalidLogin) {
                try await connection.call(Auth.signUp, .init(accountName: "A", login: "a b", password: "long enough"))
            }
            await expectRPCError(.invalidArgument, .invalidAccountName) {
                try await connection.call(Auth.signUp, .init(accountName: "   ", login: "carol", password: "long enough"))
            }
            await connection.close()
        }
    }

    @Test("unknown login and wrong password give the same error")
    func sameErrorForUnknownAndWrong() async throws {
        try await withServicesTestServer { server in
            let connection = try await server.connect()
            _ = try await connection.signUpAndLogin(name: "A", login: "dave")
            var errors: [RPCError] = []
            for attempt in [Auth_V1_LoginRequest(login: "dave", password: "wrong password"), .init(login: "nobody", password: "wrong password")] {
                do {
                    _ = try await connection.call(Auth.login, attempt)
                } catch let error as RPCError {
                    errors.append(error)
                }
            }
            #expect(errors.count == 2)
            #expect(errors[0] == errors[1])
            #expect(errors[0].code == .unauthenticated && errors[0].reason == .invalidCredentials)
            await connection.close()
        }
    }

    @Test("repeated failures on one login are throttled with a growing delay, then let through")
    func throttling() async throws {
        try await withServicesTestServer(services: { $0.loginFailuresBeforeThrottle = 3; $0.loginThrottleBaseDelayMs = 1000 }) { server in
            let connection = try await server.connect()
            let account = try await connection.signUpAndLogin(name: "A", login: "erin")
            for _ in 0..<3 {
                await expectRPCError(.unauthenticated, .invalidCredentials) {
                    try await connection.call(Auth.login, .init(login: "erin", password: "guess guess"))
                }
            }
            // Even the right password waits while throttled.
            await expectRPCError(.resourceExhausted, .loginThrottled) {
                try await connection.login("erin", account.password)
            }
            // Other logins are not affected.
            _ = try await connection.signUpAndLogin(name: "B", login: "frank")
            server.clock.advance(milliseconds: 1001)
            await expectRPCError(.unauthenticated, .invalidCredentials) {
                try await connection.call(Auth.login, .init(login: "erin", password: "guess again"))
            }
            // The delay doubled: 1 s is no longer enough.
            server.clock.advance(milliseconds: 1001)
            await expectRPCError(.resourceExhausted, .loginThrottled) {
                try await connection.login("erin", account.password)
            }
            server.clock.advance(milliseconds: 1000)
            let token = try await connection.login("erin", account.password)
            #expect(!token.isEmpty)
            await connection.close()
        }
    }

    @Test("a call without a token, or with a garbage token, is UNAUTHENTICATED")
    func missingAndGarbageToken() async throws {
        try await withServicesTestServer { server in
            let connection = try await server.connect()
            await expectRPCError(.unauthenticated, .tokenRequired) { try await connection.call(Auth.whoAmI, .init()) }
            await expectRPCError(.unauthenticated, .sessionInvalid) {
                try await connection.call(Auth.whoAmI, .init(), token: String(repeating: "0", count: 64))
            }
            await connection.close()
        }
    }

    @Test("sessions expire after the idle limit and after the absolute limit")
    func expiry() async throws {
        try await withServicesTestServer(services: {
            $0.sessionIdleTimeoutMs = 10_000
            $0.sessionLifetimeMs = 25_000
        }) { server in
            let connection = try await server.connect()
            let account = try await connection.signUpAndLogin(name: "A", login: "gina")
            // Used every 9 s, the session stays alive until its absolute limit.
            for _ in 0..<2 {
                server.clock.advance(milliseconds: 9_000)
                _ = try await connection.call(Auth.whoAmI, .init(), token: account.token)
            }
            server.clock.advance(milliseconds: 7_001)  // 25.001 s after login
            await expectRPCError(.unauthenticated, .sessionInvalid) {
                try await connection.call(Auth.whoAmI, .init(), token: account.token)
            }
            // Idle: a fresh session unused for 10 s is dead.
            let token = try await connection.login("gina", account.password)
            server.clock.advance(milliseconds: 10_000)
            await expectRPCError(.unauthenticated, .sessionInvalid) {
                try await connection.call(Auth.whoAmI, .init(), token: token)
            }
            await connection.close()
        }
    }

    @Test("Logout ends the session")
    func logout() async throws {
        try await withServicesTestServer { server in
            let connection = try await server.connect()
            let account = try await connection.signUpAndLogin(name: "A", login: "hank")
            _ = try await connection.call(Auth.logout, .init(), token: account.token)
            await expectRPCError(.unauthenticated, .sessionInvalid) {
                try await connection.call(Auth.whoAmI, .init(), token: account.token)
            }
            await connection.close()
        }
    }

    @Test("ChangePassword checks the current password and revokes the user's other sessions")
    func changePassword() async throws {
        try await withServicesTestServer { server in
            let connection = try await server.connect()
            let account = try await connection.signUpAndLogin(name: "A", login: "ivy")
            let other = try await connection.login("ivy", account.password)
            await expectRPCError(.permissionDenied, .invalidCredentials) {
                try await connection.call(
                    Auth.changePassword, .init(currentPassword: "not it at all", newPassword: "brand new password"),
                    token: account.token)
            }
            let changed = try await connection.call(
                Auth.changePassword, .init(currentPassword: account.password, newPassword: "brand new password"),
                token: account.token)
            #expect(changed.revokedSessions == 1)
            _ = try await connection.call(Auth.whoAmI, .init(), token: account.token)
            await expectRPCError(.unauthenticated, .sessionInvalid) {
                try await connection.call(Auth.whoAmI, .init(), token: other)
            }
            await expectRPCError(.unauthenticated, .invalidCredentials) { try await connection.login("ivy", account.password) }
            _ = try await connection.login("ivy", "brand new password")
            await connection.close()
        }
    }
}
