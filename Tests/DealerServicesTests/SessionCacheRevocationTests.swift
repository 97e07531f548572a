import DealerClient
import DealerProtocol
import DealerServices
import DealerTestSupport
import Synchronization
import Testing

/// The session cache over the real protocol: a session that was cached (WhoAmI
/// answered from memory) is refused right after any call that ends or changes
/// it returns, and expiry, idle time and `last_seen_at` work as without it.
@Suite("Session cache: never serves an ended or changed session")
struct SessionCacheRevocationTests {
    typealias Dealer = Dealer_V1_DealerService
    typealias Client = Client_V1_ClientService

    /// Calls WhoAmI until one is answered from the cache (a hit counted), and
    /// returns the session it describes. At most three calls: one that touches
    /// `last_seen_at` (storage, nothing cached), one that reads and caches, a hit.
    @discardableResult
    private func cached(
        _ server: TestServer, _ net: DealerConnection, _ token: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Common_V1_SessionInfo {
        let cache = try #require(server.environment).sessionCache
        let hitsBefore = cache.statistics.hits
        var session: Common_V1_SessionInfo?
        for _ in 0..<3 where cache.statistics.hits == hitsBefore {
            session = try await net.call(Auth.whoAmI, .init(), token: token).session
        }
        #expect(cache.statistics.hits > hitsBefore, "WhoAmI was not answered from the cache", sourceLocation: sourceLocation)
        return try #require(session, sourceLocation: sourceLocation)
    }

    private func expectRefused(_ net: DealerConnection, _ token: String, sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        try await Workflow.expectRefusal(.unauthenticated, .sessionInvalid, sourceLocation: sourceLocation) {
            _ = try await net.call(Auth.whoAmI, .init(), token: token)
        }
    }

    /// A server, a connection and a signed-up account ("anna", admin, logged in).
    private func withAccount(_ body: (TestServer, DealerConnection, TestAccount) async throws -> Void) async throws {
        try await withServicesTestServer { server in
            let net = try await server.connect()
            let account = try await net.signUpAndLogin(name: "A", login: "anna")
            try await body(server, net, account)
            await net.close()
        }
    }

    @Test("Logout")
    func logout() async throws {
        try await withAccount { server, net, account in
            try await cached(server, net, account.token)
            _ = try await net.call(Auth.logout, .init(), token: account.token)
            try await expectRefused(net, account.token)
        }
    }

    @Test("SetUserRights revokes the user's cached sessions; the new rights are seen at the next login")
    func rightsChange() async throws {
        try await withAccount { server, net, admin in
            let bob = try await Workflow.plainUser(net, in: admin, login: "bob")
            #expect(try await cached(server, net, bob).rights == [])
            let bobID = try #require(try await net.call(Auth.whoAmI, .init(), token: bob).session?.userID)
            _ = try await net.call(Auth.setUserRights, .init(userID: bobID, rights: [.admin]), token: admin.token)
            try await expectRefused(net, bob)
            let again = try await net.login("bob", Workflow.password)
            #expect(try await cached(server, net, again).rights == [.admin])
            // The admin's own session, cached and untouched by the change, still answers.
            #expect(try await cached(server, net, admin.token).login == "anna")
        }
    }

    @Test("ChangePassword revokes the other cached sessions and keeps the caller's")
    func passwordChange() async throws {
        try await withAccount { server, net, account in
            let other = try await net.login("anna", account.password)
            try await cached(server, net, account.token)
            try await cached(server, net, other)
            _ = try await net.call(
                Auth.changePassword, .init(currentPassword: account.password, newPassword: "a new password"),
                token: account.token)
            try await expectRefused(net, other)
            #expect(try await cached(server, net, account.token).login == "anna")
        }
    }

    @Test("DeleteUser")
    func userDeletion() async throws {
        try await withAccount { server, net, admin in
            let bob = try await Workflow.plainUser(net, in: admin, login: "bob")
            let bobID = try await cached(server, net, bob).userID
            _ = try await net.call(Auth.deleteUser, .init(userID: bobID), token: admin.token)
            try await expectRefused(net, bob)
        }
    }

    /// A dealer, a client it serves, and a LoginToClient session, each cached.
    private func withImpersonation(
        _ body: (TestServer, DealerConnection, TestAccount, TestAccount, String) async throws -> Void
    ) async throws {
        try await withServicesTestServer { server in
            let net = try await server.connect()
            let dealer = try await Workflow.dealer(net, name: "Dealer", login: "dealer")
            let client = try await Workflow.client(net, name: "Client", login: "client")
            try await Workflow.serve(net, client, by: dealer)
            let child = try await Workflow.impersonate(net, dealer, client)
            // LoginToClient sessions are answered on the storage lane (their reads
            // are audited), from the cached session.
            let hitsBefore = server.environment!.sessionCache.statistics.hits
            for _ in 0..<2 { #expect(try await net.call(Auth.whoAmI, .init(), token: child).session?.accountID == client.accountID) }
            #expect(server.environment!.sessionCache.statistics.hits > hitsBefore)
            try await cached(server, net, dealer.token)
            try await cached(server, net, client.token)
            try await body(server, net, dealer, client, child)
            await net.close()
        }
    }

    @Test("Disconnect ends the cached LoginToClient session")
    func disconnect() async throws {
        try await withImpersonation { server, net, dealer, client, child in
            _ = try await net.call(Client.disconnect, .init(), token: client.token)
            try await expectRefused(net, child)
            #expect(try await cached(server, net, dealer.token).login == "dealer")
        }
    }

    @Test("the end of the dealer session (its parent) ends the cached LoginToClient session")
    func parentSessionEnd() async throws {
        try await withImpersonation { _, net, dealer, _, child in
            _ = try await net.call(Auth.logout, .init(), token: dealer.token)
            try await expectRefused(net, child)
        }
    }

    @Test("DeleteClient ends the client's cached sessions and the LoginToClient session into it")
    func accountDeletion() async throws {
        try await withImpersonation { _, net, dealer, client, child in
            _ = try await net.call(Dealer.deleteClient, .init(accountID: client.accountID), token: dealer.token)
            try await expectRefused(net, client.token)
            try await expectRefused(net, child)
        }
    }

    @Test("idle timeout and absolute expiry by the manual clock, and the coarse last_seen_at touch")
    func expiryAndIdle() async throws {
        try await withServicesTestServer(services: {
            $0.sessionIdleTimeoutMs = 10_000
            $0.sessionLifetimeMs = 25_000
        }) { server in
            let net = try await server.connect()
            let account = try await net.signUpAndLogin(name: "A", login: "anna")
            try await cached(server, net, account.token)
            // Used every 9 s it lives on: each use past the touch interval (1 s)
            // goes to storage and moves last_seen_at, then is cached again.
            for _ in 0..<2 {
                server.clock.advance(milliseconds: 9_000)
                try await cached(server, net, account.token)
            }
            server.clock.advance(milliseconds: 7_001)  // 25.001 s after login
            try await expectRefused(net, account.token)

            let idle = try await net.login("anna", account.password)
            try await cached(server, net, idle)
            server.clock.advance(milliseconds: 10_000)
            try await expectRefused(net, idle)
            await net.close()
        }
    }

    @Test("a cached WhoAmI is answered while every storage worker is held; an uncached one waits")
    func answeredWithoutStorage() async throws {
        let gates = Gates()
        try await withServicesTestServer(configure: { $0.blockingThreads = 1 }, gates: gates) { server in
            let net = try await server.connect()
            let account = try await net.signUpAndLogin(name: "A", login: "anna")
            let uncached = try await net.login("anna", account.password)
            try await cached(server, net, account.token)
            let other = try await server.connect()
            async let held = other.call(TestMethods.wait, .init(service: "storage"))
            await gates.arrived("storage")
            #expect(try await net.call(Auth.whoAmI, .init(), token: account.token).session?.login == "anna")
            async let waiting = net.call(Auth.whoAmI, .init(), token: uncached)
            #expect(try await net.call(Auth.whoAmI, .init(), token: account.token).session?.login == "anna")
            gates.open("storage")
            #expect(try await waiting.session?.login == "anna")
            _ = try await held
            await other.close()
            await net.close()
        }
    }

    @Test("200 rounds of Logout racing in-flight WhoAmI calls: none sent after Logout returned succeeds")
    func concurrentRevocation() async throws {
        try await withServicesTestServer { server in
            let net = try await server.connect()
            let readers = [try await server.connect(), try await server.connect()]
            let account = try await net.signUpAndLogin(name: "A", login: "anna")
            for round in 0..<200 {
                let token = try await net.login("anna", account.password)
                try await cached(server, net, token)
                let race = RaceRound()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for reader in readers {
                        for _ in 0..<2 {
                            group.addTask {
                                // Until a call sent after the Logout is refused (bounded).
                                for _ in 0..<10_000 {
                                    let sentAfterLogout = race.revoked.load(ordering: .sequentiallyConsistent)
                                    let outcome = try await CallOutcome.of {
                                        _ = try await reader.call(Auth.whoAmI, .init(), token: token)
                                    }
                                    if sentAfterLogout {
                                        if outcome == .ok { race.lateSuccesses.add(1, ordering: .relaxed) }
                                        return
                                    }
                                }
                            }
                        }
                    }
                    _ = try await net.call(Auth.logout, .init(), token: token)
                    race.revoked.store(true, ordering: .sequentiallyConsistent)
                    try await group.waitForAll()
                }
                #expect(race.lateSuccesses.load(ordering: .relaxed) == 0, "round \(round)")
                try await expectRefused(net, token)
            }
            for reader in readers { await reader.close() }
            await net.close()
        }
    }
}

/// What the reader tasks of one round of the revocation race share.
private final class RaceRound: Sendable {
    /// Set once Logout has returned.
    let revoked = Atomic<Bool>(false)
    /// WhoAmI calls sent after Logout returned that succeeded: must stay 0.
    let lateSuccesses = Atomic<Int>(0)
}
