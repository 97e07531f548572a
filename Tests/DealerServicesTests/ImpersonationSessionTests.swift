import DealerClient
import DealerProtocol
import DealerServices
import DealerTestSupport
import Testing

/// A LoginToClient session is a child of the dealer session that opened it: it
/// ends when that session ends (Logout, expiry, idle expiry, revocation).
@Suite("LoginToClient sessions end with the dealer session that opened them")
struct ImpersonationSessionTests {
    typealias Dealer = Dealer_V1_DealerService

    /// A dealer, a client it serves, and a connection; the body gets the dealer's session.
    private func withDealerAndClient(
        services: (inout ServicesConfiguration) -> Void = { _ in },
        _ body: (TestServer, DealerConnection, TestAccount, TestAccount) async throws -> Void
    ) async throws {
        try await withServicesTestServer(services: services) { server in
            let net = try await server.connect()
            let dealer = try await Workflow.dealer(net, name: "Dealer", login: "dealer")
            let client = try await Workflow.client(net, name: "Client", login: "client")
            try await Workflow.serve(net, client, by: dealer)
            try await body(server, net, dealer, client)
            await net.close()
        }
    }

    private func expectDead(_ net: DealerConnection, _ token: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await Workflow.expectRefusal(.unauthenticated, .sessionInvalid, sourceLocation: sourceLocation) {
            _ = try await net.call(Auth.whoAmI, .init(), token: token)
        }
    }

    @Test("Logout of the dealer session ends its LoginToClient sessions, not the others")
    func logout() async throws {
        try await withDealerAndClient { _, net, dealer, client in
            let child = try await Workflow.impersonate(net, dealer, client)
            let other = try await net.login("dealer", Workflow.password)
            let otherChild = try await Workflow.impersonate(net, dealer.with(token: other), client)
            #expect(try await net.call(Auth.whoAmI, .init(), token: child).session?.accountID == client.accountID)
            _ = try await net.call(Auth.logout, .init(), token: dealer.token)
            try await expectDead(net, child)
            #expect(try await net.call(Auth.whoAmI, .init(), token: otherChild).session?.accountID == client.accountID)
            // The dead parent opens no new child either.
            try await Workflow.expectRefusal(.unauthenticated, .sessionInvalid) {
                _ = try await Workflow.impersonate(net, dealer, client)
            }
        }
    }

    @Test("the dealer session's absolute expiry ends the LoginToClient session, whatever its own lifetime")
    func parentExpiry() async throws {
        let day: Int64 = 24 * 3600 * 1000
        try await withDealerAndClient(services: {
            $0.sessionLifetimeMs = day
            $0.sessionIdleTimeoutMs = 2 * day
            $0.impersonationLifetimeMs = 10 * day
        }) { server, net, dealer, client in
            let login = try await net.call(Dealer.loginToClient, .init(accountID: client.accountID), token: dealer.token)
            let parent = try #require(try await net.call(Auth.whoAmI, .init(), token: dealer.token).session)
            #expect(login.session?.expiresAtMs == parent.expiresAtMs)
            server.clock.advance(milliseconds: day - 1_000)
            #expect(try await net.call(Auth.whoAmI, .init(), token: login.token).session != nil)
            server.clock.advance(milliseconds: 1_000)
            try await expectDead(net, login.token)
        }
    }

    @Test("an idle dealer session ends its LoginToClient session even while that one is in use")
    func parentIdle() async throws {
        let hour: Int64 = 3600 * 1000
        try await withDealerAndClient(services: {
            $0.sessionIdleTimeoutMs = hour
            $0.impersonationLifetimeMs = 10 * hour
        }) { server, net, dealer, client in
            let child = try await Workflow.impersonate(net, dealer, client)
            // The child is used every 20 minutes; the parent is not used at all.
            for _ in 0..<2 {
                server.clock.advance(milliseconds: hour / 3)
                #expect(try await net.call(Auth.whoAmI, .init(), token: child).session != nil)
            }
            server.clock.advance(milliseconds: hour / 3)
            try await expectDead(net, child)
            try await expectDead(net, dealer.token)
        }
    }

    @Test("revoking the dealer session (password changed from another session) ends its LoginToClient session")
    func revocation() async throws {
        try await withDealerAndClient { _, net, dealer, client in
            let child = try await Workflow.impersonate(net, dealer, client)
            let other = try await net.login("dealer", Workflow.password)
            let changed = try await net.call(
                Auth.changePassword, .init(currentPassword: Workflow.password, newPassword: "a new password"), token: other)
            #expect(changed.revokedSessions == 2)  // the dealer session and its child
            try await expectDead(net, dealer.token)
            try await expectDead(net, child)
        }
    }

    @Test("SetUserRights on the dealer user ends its LoginToClient sessions with its other sessions")
    func rightsChange() async throws {
        try await withDealerAndClient { server, net, dealer, client in
            let child = try await Workflow.impersonate(net, dealer, client)
            let changed = try await net.call(
                Auth.setUserRights, .init(userID: dealer.adminUserID, rights: [.admin, .dealer]), token: dealer.token)
            #expect(changed.revokedSessions == 2)
            try await expectDead(net, child)
            try Workflow.expectNoViolations(server)
        }
    }
}

extension TestAccount {
    /// The same account and user with another session token.
    func with(token: String) -> TestAccount {
        TestAccount(accountID: accountID, adminUserID: adminUserID, login: login, password: password, token: token)
    }
}
