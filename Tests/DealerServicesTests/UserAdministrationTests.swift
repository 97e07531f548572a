import DealerClient
import DealerProtocol
import DealerServices
import DealerStore
import DealerTestSupport
import Testing

@Suite("Auth: Administration -> Users and the dealer right")
struct UserAdministrationTests {
    @Test("only admins of the caller's own account manage users")
    func adminOnly() async throws {
        try await withServicesTestServer { server in
            let connection = try await server.connect()
            let admin = try await connection.signUpAndLogin(name: "A", login: "admin-a")
            let created = try await connection.call(
                Auth.createUser, .init(login: "plain-a", password: "plain password", rights: []), token: admin.token)
            #expect(created.user?.rights == [])
            let plain = try await connection.login("plain-a", "plain password")
            await expectRPCError(.permissionDenied, .adminRequired) {
                try await connection.call(Auth.listUsers, .init(), token: plain)
            }
            await expectRPCError(.permissionDenied, .adminRequired) {
                try await connection.call(Auth.createUser, .init(login: "x-a", password: "plain password"), token: plain)
            }
            await expectRPCError(.permissionDenied, .adminRequired) {
                try await connection.call(Auth.setUserRights, .init(userID: admin.adminUserID, rights: []), token: plain)
            }
            await expectRPCError(.permissionDenied, .adminRequired) {
                try await connection.call(Auth.deleteUser, .init(userID: admin.adminUserID), token: plain)
            }
            let users = try await connection.call(Auth.listUsers, .init(), token: admin.token)
            #expect(users.users.map(\.login) == ["admin-a", "plain-a"])
            await connection.close()
        }
    }

    @Test("another account's user id answers NOT_FOUND, exactly like an id that does not exist")
    func foreignUserIsNotFound() async throws {
        try await withServicesTestServer { server in
            let connection = try await server.connect()
            let a = try await connection.signUpAndLogin(name: "A", login: "admin-a")
            let b = try await connection.signUpAndLogin(name: "B", login: "admin-b")
            for userID in [b.adminUserID, 999_999] {
                await expectRPCError(.notFound, .userNotFound) {
                    try await connection.call(Auth.setUserRights, .init(userID: userID, rights: [.admin]), token: a.token)
                }
                await expectRPCError(.notFound, .userNotFound) {
                    try await connection.call(Auth.deleteUser, .init(userID: userID), token: a.token)
                }
            }
            // B's admin is untouched and still logged in.
            #expect(try await connection.call(Auth.whoAmI, .init(), token: b.token).session?.rights == [.admin])
            await connection.close()
        }
    }

    @Test("SetUserRights and DeleteUser refuse an id <= 0 as INVALID_ARGUMENT, like the Dealer and Client services")
    func nonPositiveUserIDIsInvalid() async throws {
        try await withServicesTestServer { server in
            let connection = try await server.connect()
            let admin = try await connection.signUpAndLogin(name: "A", login: "admin-a")
            for userID: Int64 in [0, -1, .min] {
                await expectRPCError(.invalidArgument, .invalidArgument) {
                    try await connection.call(Auth.setUserRights, .init(userID: userID, rights: [.admin]), token: admin.token)
                }
                await expectRPCError(.invalidArgument, .invalidArgument) {
                    try await connection.call(Auth.deleteUser, .init(userID: userID), token: admin.token)
                }
            }
            // The same check as the other services' ids.
            await expectRPCError(.invalidArgument, .invalidArgument) {
                try await connection.call(Client_V1_ClientService.cancelRequest, .init(requestID: 0), token: admin.token)
            }
            await connection.close()
        }
    }

    @Test("users list pages with page_size and page_token")
    func paging() async throws {
        try await withServicesTestServer { server in
            let connection = try await server.connect()
            let admin = try await connection.signUpAndLogin(name: "A", login: "admin-a")
            for index in 0..<4 {
                _ = try await connection.call(
                    Auth.createUser, .init(login: "user-\(index)", password: "plain password"), token: admin.token)
            }
            var logins: [String] = []
            var token = ""
            repeat {
                let page = try await connection.call(Auth.listUsers, .init(pageSize: 2, pageToken: token), token: admin.token)
                #expect(page.users.count <= 2)
                logins += page.users.map(\.login)
                token = page.nextPageToken
            } while !token.isEmpty
            #expect(logins == ["admin-a", "user-0", "user-1", "user-2", "user-3"])
            await expectRPCError(.invalidArgument, .invalidPageToken) {
                try await connection.call(Auth.listUsers, .init(pageToken: "garbage"), token: admin.token)
            }
            await connection.close()
        }
    }

    @Test("the dealer right takes effect at the next login; setting it revokes the user's sessions")
    func dealerRightAfterLoginAgain() async throws {
        try await withServicesTestServer { server in
            let connection = try await server.connect()
            let admin = try await connection.signUpAndLogin(name: "Service Center", login: "sc-admin")
            let changed = try await connection.call(
                Auth.setUserRights, .init(userID: admin.adminUserID, rights: [.admin, .dealer]), token: admin.token)
            #expect(changed.user?.rights == [.admin, .dealer])
            #expect(changed.revokedSessions == 1)
            // "Set the flag, log in again": the old session is gone.
            await expectRPCError(.unauthenticated, .sessionInvalid) {
                try await connection.call(Auth.whoAmI, .init(), token: admin.token)
            }
            let again = try await connection.call(Auth.login, .init(login: "sc-admin", password: admin.password))
            #expect(again.session?.dealerMode == true)
            #expect(again.session?.rights == [.admin, .dealer])
            await connection.close()
        }
    }

    @Test("an account served by a dealer can never become one")
    func servedAccountCannotBecomeDealer() async throws {
        try await withServicesTestServer { server in
            let connection = try await server.connect()
            let dealer = try await makeDealer(connection, server: server)
            // The dealer creates a served client account (store-level set-up).
            let client = try server.store.createClient(
                dealerAccountID: dealer.accountID, accountName: "Client", adminLogin: "client-admin",
                passwordHash: "unused", now: server.clock.nowMilliseconds(), audit: AuditContext(method: "test"))
            _ = try server.store.changePassword(
                userID: client.admin.id, newPasswordHash: try PasswordHasher(cost: .minimal).hash("client password"),
                keepSessionID: nil, now: server.clock.nowMilliseconds(), audit: AuditContext(method: "test"))
            let clientToken = try await connection.login("client-admin", "client password")
            await expectRPCError(.failedPrecondition, .accountServedByDealer) {
                try await connection.call(
                    Auth.setUserRights, .init(userID: client.admin.id, rights: [.admin, .dealer]), token: clientToken)
            }
            await expectRPCError(.failedPrecondition, .accountServedByDealer) {
                try await connection.call(
                    Auth.createUser, .init(login: "client-dealer", password: "plain password", rights: [.dealer]),
                    token: clientToken)
            }
            // The dealer cannot drop its last dealer right while it serves a client.
            await expectRPCError(.failedPrecondition, .dealerServesClients) {
                try await connection.call(Auth.setUserRights, .init(userID: dealer.adminUserID, rights: [.admin]), token: dealer.token)
            }
            #expect(try server.store.invariantViolations().isEmpty)
            await connection.close()
        }
    }

    @Test("the last admin cannot be removed")
    func lastAdmin() async throws {
        try await withServicesTestServer { server in
            let connection = try await server.connect()
            let admin = try await connection.signUpAndLogin(name: "A", login: "only-admin")
            await expectRPCError(.failedPrecondition, .lastAdmin) {
                try await connection.call(Auth.setUserRights, .init(userID: admin.adminUserID, rights: []), token: admin.token)
            }
            await expectRPCError(.failedPrecondition, .lastAdmin) {
                try await connection.call(Auth.deleteUser, .init(userID: admin.adminUserID), token: admin.token)
            }
            await connection.close()
        }
    }

    @Test("rights changes and user deletion revoke that user's sessions; deleted users cannot log in")
    func revocation() async throws {
        try await withServicesTestServer { server in
            let connection = try await server.connect()
            let admin = try await connection.signUpAndLogin(name: "A", login: "admin-a")
            let user = try await connection.call(
                Auth.createUser, .init(login: "worker", password: "worker password"), token: admin.token)
            let userID = try #require(user.user?.id)
            let first = try await connection.login("worker", "worker password")
            _ = try await connection.call(Auth.setUserRights, .init(userID: userID, rights: [.admin]), token: admin.token)
            await expectRPCError(.unauthenticated, .sessionInvalid) { try await connection.call(Auth.whoAmI, .init(), token: first) }
            let second = try await connection.login("worker", "worker password")
            #expect(try await connection.call(Auth.whoAmI, .init(), token: second).session?.rights == [.admin])
            _ = try await connection.call(Auth.deleteUser, .init(userID: userID), token: admin.token)
            await expectRPCError(.unauthenticated, .sessionInvalid) { try await connection.call(Auth.whoAmI, .init(), token: second) }
            await expectRPCError(.unauthenticated, .invalidCredentials) { try await connection.login("worker", "worker password") }
            // The admin's own session was not touched.
            _ = try await connection.call(Auth.whoAmI, .init(), token: admin.token)
            await connection.close()
        }
    }

    @Test("rights outside admin and dealer are refused")
    func unknownRight() async throws {
        try await withServicesTestServer { server in
            let connection = try await server.connect()
            let admin = try await connection.signUpAndLogin(name: "A", login: "admin-a")
            await expectRPCError(.invalidArgument, .invalidRight) {
                try await connection.call(
                    Auth.createUser, .init(login: "x-user", password: "plain password", rights: [Common_V1_Right(rawValue: 9)]),
                    token: admin.token)
            }
            await connection.close()
        }
    }

    /// Signs up a company, gives its admin the dealer right and logs in again.
    private func makeDealer(_ connection: DealerConnection, server: TestServer) async throws -> TestAccount {
        let admin = try await connection.signUpAndLogin(name: "Dealer Co", login: "dealer-admin")
        _ = try await connection.call(
            Auth.setUserRights, .init(userID: admin.adminUserID, rights: [.admin, .dealer]), token: admin.token)
        let token = try await connection.login("dealer-admin", admin.password)
        return TestAccount(
            accountID: admin.accountID, adminUserID: admin.adminUserID, login: admin.login, password: admin.password,
            token: token)
    }
}
