@testable import DealerStore
import Foundation
import Logging
import Testing

/// A fresh database file in its own temporary directory, with helpers to build fixtures.
final class TestDatabase: Sendable {
    static let t0: Int64 = 1_700_000_000_000
    static let day: Int64 = 86_400_000

    /// Keeps test output readable; the store's log lines are not under test.
    static let logger = Logger(label: "dealer.store.test") { _ in SwiftLogNoOpLogHandler() }

    let directory: URL
    let store: DealerStore

    var path: String { directory.appendingPathComponent("nested/dealer.sqlite").path }

    init(synchronous: DealerStoreConfiguration.Synchronous = .full) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dealer-store-\(UUID().uuidString)")
        store = try DealerStore(configuration: .init(
            path: directory.appendingPathComponent("nested/dealer.sqlite").path, synchronous: synchronous), logger: Self.logger)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    // MARK: Fixtures

    static func token(_ seed: Int) -> [UInt8] {
        (0..<32).map { UInt8(truncatingIfNeeded: seed &* 31 &+ $0) }
    }

    static func audit(_ method: String, _ user: UserRecord? = nil, actingFor: Int64? = nil) -> AuditContext {
        AuditContext(actorUserID: user?.id, actorAccountID: user?.accountID, actingForAccountID: actingFor ?? user?.accountID, method: method)
    }

    /// A signed-up account with its admin.
    func account(_ name: String, now: Int64 = t0) throws -> NewAccount {
        try store.signUp(accountName: name, login: "\(name)-admin", passwordHash: "hash", now: now, audit: Self.audit("SignUp"))
    }

    /// A signed-up account whose admin also holds the dealer right.
    func dealer(_ name: String, now: Int64 = t0) throws -> NewAccount {
        var new = try account(name, now: now)
        _ = try store.setUserRights(
            accountID: new.account.id, userID: new.admin.id, isAdmin: true, isDealer: true, now: now,
            audit: Self.audit("SetUserRights", new.admin))
        new.admin.isDealer = true
        new.account.isDealer = true
        return new
    }

    func submit(_ client: NewAccount, to dealer: NewAccount, now: Int64 = t0, expiresAt: Int64? = nil) throws -> ServiceRequestRecord {
        try store.submitRequest(
            clientAccountID: client.account.id, dealerAccountID: dealer.account.id, message: "please",
            now: now, expiresAt: expiresAt ?? now + 30 * Self.day, audit: Self.audit("SubmitRequest", client.admin))
    }

    func accept(_ request: ServiceRequestRecord, by dealer: NewAccount, now: Int64 = t0) throws -> ServiceRequestRecord {
        try store.acceptRequest(
            dealerAccountID: dealer.account.id, requestID: request.id, now: now, audit: Self.audit("AcceptRequest", dealer.admin))
    }

    /// A client served by `dealer` through an accepted request.
    func servedClient(_ name: String, by dealer: NewAccount, now: Int64 = t0) throws -> NewAccount {
        let client = try account(name, now: now)
        _ = try accept(submit(client, to: dealer, now: now), by: dealer, now: now)
        return client
    }

    func login(_ user: UserRecord, token seed: Int, now: Int64 = t0) throws -> SessionRecord {
        let stored = try #require(try store.credentials(forLogin: user.login)).passwordHash
        return try store.createSession(userID: user.id, verifiedPasswordHash: stored, tokenHash: Self.token(seed), now: now, expiresAt: now + Self.day, audit: Self.audit("Login"))
    }

    /// A LoginToClient session of the dealer's admin, opened from `parent`, or from a
    /// fresh login of the admin (token seed + 100).
    func impersonate(
        _ client: NewAccount, by dealer: NewAccount, token seed: Int, parent: SessionRecord? = nil, now: Int64 = t0
    ) throws -> SessionRecord {
        let parent = try parent ?? login(dealer.admin, token: seed + 100, now: now)
        return try store.createImpersonationSession(
            dealerUserID: dealer.admin.id, dealerAccountID: dealer.account.id, clientAccountID: client.account.id,
            parentSessionID: parent.id, tokenHash: Self.token(seed), now: now, expiresAt: now + 3_600_000,
            audit: Self.audit("LoginToClient", dealer.admin))
    }

    func isRevoked(_ seed: Int) throws -> Bool {
        try #require(try store.session(tokenHash: Self.token(seed))).revokedAt != nil
    }

    func auditCount() throws -> Int64 {
        try store.read { db in try db.queryFirst("SELECT count(*) FROM audit_events") { $0.int64(0) } ?? 0 }
    }

    func expectNoViolations(sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try store.invariantViolations() == [], sourceLocation: sourceLocation)
        #expect(try store.integrityCheck(), sourceLocation: sourceLocation)
    }
}

/// Expects `body` to throw exactly this `StoreError`.
func expectStoreError<T>(
    _ expected: StoreError, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T
) {
    let error = #expect(throws: StoreError.self, sourceLocation: sourceLocation) { _ = try body() }
    #expect(error == expected, "\(String(describing: error))", sourceLocation: sourceLocation)
}
