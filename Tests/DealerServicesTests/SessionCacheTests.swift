import DealerServices
import DealerStore
import Foundation
import Logging
import NIOCore
import Testing

/// `SessionCache` on its own: the bound, CLOCK eviction, invalidation by
/// dependency and the generation check on insert. Records come from a real
/// store (sessions of two users in one account).
@Suite("SessionCache: bound, eviction, invalidation, ticket check")
struct SessionCacheTests {
    /// A temporary store holding one account, its admin and a second user.
    private final class Fixture {
        let directory: URL
        let store: DealerStore
        let account: NewAccount
        let otherUser: UserRecord
        private var nextSeed: UInt8 = 0

        init() throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("session-cache-\(UUID().uuidString)")
            self.directory = directory
            let store = try DealerStore(
                configuration: .init(path: directory.appendingPathComponent("dealer.sqlite").path, synchronous: .normal),
                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            let account = try store.signUp(
                accountName: "A", login: "anna", passwordHash: "hash", now: 1, audit: AuditContext(method: "SignUp"))
            self.otherUser = try store.createUser(
                accountID: account.account.id, login: "bob", passwordHash: "hash", isAdmin: false, isDealer: false, now: 1,
                audit: Self.audit(account, "CreateUser"))
            self.store = store
            self.account = account
        }

        /// The admin acting in its account.
        static func audit(_ account: NewAccount, _ method: String) -> AuditContext {
            AuditContext(
                actorUserID: account.admin.id, actorAccountID: account.account.id, actingForAccountID: account.account.id,
                method: method)
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        /// A new session of `user` (the admin by default) and its token hash.
        func session(of user: UserRecord? = nil) throws -> (record: SessionRecord, tokenHash: [UInt8]) {
            nextSeed += 1
            let tokenHash = [UInt8](repeating: nextSeed, count: 32)
            let user = user ?? account.admin
            let record = try store.createSession(
                userID: user.id, verifiedPasswordHash: "hash", tokenHash: tokenHash, now: 1, expiresAt: 1_000_000,
                audit: Self.audit(account, "Login"))
            return (record, tokenHash)
        }
    }

    @Test("holds at most `capacity` sessions; the clock hand spares the recently used one")
    func bound() throws {
        let fixture = try Fixture()
        let cache = SessionCache(capacity: 3)
        let sessions = try (0..<4).map { _ in try fixture.session() }
        for session in sessions.prefix(3) { #expect(cache.insert(session.record, token: ByteBuffer(bytes: session.tokenHash), ticket: cache.ticket())) }
        #expect(cache.session(token: ByteBuffer(bytes: sessions[0].tokenHash)) == sessions[0].record)  // used: second chance
        #expect(cache.insert(sessions[3].record, token: ByteBuffer(bytes: sessions[3].tokenHash), ticket: cache.ticket()))
        #expect(cache.statistics.entries == 3)
        #expect(cache.statistics.evictions == 1)
        #expect(cache.session(token: ByteBuffer(bytes: sessions[0].tokenHash)) != nil)
        #expect(cache.session(token: ByteBuffer(bytes: sessions[1].tokenHash)) == nil)  // the unused one went
        #expect(cache.session(token: ByteBuffer(bytes: sessions[2].tokenHash)) != nil)
        #expect(cache.session(token: ByteBuffer(bytes: sessions[3].tokenHash)) != nil)
    }

    @Test("an insert whose ticket predates an invalidation is refused; a fresh ticket is accepted")
    func generationCheck() throws {
        let fixture = try Fixture()
        let cache = SessionCache(capacity: 10)
        let session = try fixture.session()
        let ticket = cache.ticket()
        // A commit lands while the reader holds the row it read before it.
        cache.invalidate(IdentityRowChanges(sessionIDs: [session.record.id]))
        #expect(!cache.insert(session.record, token: ByteBuffer(bytes: session.tokenHash), ticket: ticket))
        #expect(cache.session(token: ByteBuffer(bytes: session.tokenHash)) == nil)
        #expect(cache.statistics.refusedInserts == 1)
        #expect(cache.insert(session.record, token: ByteBuffer(bytes: session.tokenHash), ticket: cache.ticket()))
        #expect(cache.session(token: ByteBuffer(bytes: session.tokenHash)) == session.record)
    }

    @Test("an insert is refused only when an invalidation since its ticket touched its rows, or too many happened")
    func ticketCheckByDependency() throws {
        let fixture = try Fixture()
        let cache = SessionCache(capacity: 10)
        let admins = try fixture.session()
        let bobs = try fixture.session(of: fixture.otherUser)
        // Commits of other rows land while the admin's session is read: it is still cached.
        var ticket = cache.ticket()
        cache.invalidate(IdentityRowChanges(sessionIDs: [bobs.record.id], userIDs: [fixture.otherUser.id]))
        cache.invalidate(IdentityRowChanges(accountIDs: [fixture.account.account.id + 1]))
        #expect(cache.insert(admins.record, token: ByteBuffer(bytes: admins.tokenHash), ticket: ticket))
        #expect(cache.session(token: ByteBuffer(bytes: admins.tokenHash)) == admins.record)
        // A commit of its user, or of its account, after the ticket refuses it (the read may predate it).
        ticket = cache.ticket()
        cache.invalidate(IdentityRowChanges(userIDs: [fixture.otherUser.id]))
        cache.invalidate(IdentityRowChanges(userIDs: [fixture.account.admin.id]))
        cache.invalidate(IdentityRowChanges(userIDs: [fixture.otherUser.id]))
        #expect(!cache.insert(admins.record, token: ByteBuffer(bytes: admins.tokenHash), ticket: ticket))
        #expect(cache.session(token: ByteBuffer(bytes: admins.tokenHash)) == nil)
        ticket = cache.ticket()
        cache.invalidate(IdentityRowChanges(accountIDs: [fixture.account.account.id]))
        #expect(!cache.insert(bobs.record, token: ByteBuffer(bytes: bobs.tokenHash), ticket: ticket))
        // More unrelated invalidations than the cache remembers: refused, as it cannot tell.
        ticket = cache.ticket()
        for _ in 0...SessionCache.rememberedInvalidations {
            cache.invalidate(IdentityRowChanges(userIDs: [fixture.otherUser.id + 1]))
        }
        #expect(!cache.insert(admins.record, token: ByteBuffer(bytes: admins.tokenHash), ticket: ticket))
        #expect(cache.statistics.refusedInserts == 3)
        // Exactly as many as it remembers: it can tell, and caches.
        ticket = cache.ticket()
        for _ in 0..<SessionCache.rememberedInvalidations {
            cache.invalidate(IdentityRowChanges(userIDs: [fixture.otherUser.id + 1]))
        }
        #expect(cache.insert(admins.record, token: ByteBuffer(bytes: admins.tokenHash), ticket: ticket))
    }

    @Test("a changed session, user or account drops exactly the entries built from it")
    func invalidationByDependency() throws {
        let fixture = try Fixture()
        let cache = SessionCache(capacity: 10)
        let first = try fixture.session(), second = try fixture.session(), bobs = try fixture.session(of: fixture.otherUser)
        for session in [first, second, bobs] { cache.insert(session.record, token: ByteBuffer(bytes: session.tokenHash), ticket: cache.ticket()) }

        cache.invalidate(IdentityRowChanges(sessionIDs: [first.record.id]))
        #expect(cache.session(token: ByteBuffer(bytes: first.tokenHash)) == nil)
        #expect(cache.session(token: ByteBuffer(bytes: second.tokenHash)) != nil)

        cache.invalidate(IdentityRowChanges(userIDs: [fixture.account.admin.id]))
        #expect(cache.session(token: ByteBuffer(bytes: second.tokenHash)) == nil)
        #expect(cache.session(token: ByteBuffer(bytes: bobs.tokenHash)) != nil)

        cache.invalidate(IdentityRowChanges(accountIDs: [fixture.account.account.id]))
        #expect(cache.session(token: ByteBuffer(bytes: bobs.tokenHash)) == nil)
        #expect(cache.statistics.entries == 0)
        #expect(cache.statistics.invalidatedEntries == 3)
    }

    @Test("the store reports committed changes to sessions and users")
    func storeObservation() throws {
        let fixture = try Fixture()
        let cache = SessionCache(capacity: 10)
        fixture.store.observeIdentityChanges { cache.invalidate($0) }
        let session = try fixture.session(), bobs = try fixture.session(of: fixture.otherUser)
        for session in [session, bobs] { cache.insert(session.record, token: ByteBuffer(bytes: session.tokenHash), ticket: cache.ticket()) }
        try fixture.store.revokeSession(id: session.record.id, now: 2, audit: Fixture.audit(fixture.account, "Logout"))
        #expect(cache.session(token: ByteBuffer(bytes: session.tokenHash)) == nil)
        #expect(cache.session(token: ByteBuffer(bytes: bobs.tokenHash)) != nil)
        _ = try fixture.store.deleteUser(
            accountID: fixture.account.account.id, userID: fixture.otherUser.id, now: 3, audit: Fixture.audit(fixture.account, "DeleteUser"))
        #expect(cache.session(token: ByteBuffer(bytes: bobs.tokenHash)) == nil)
    }

    @Test("capacity 0 turns the cache off")
    func disabled() throws {
        let fixture = try Fixture()
        let cache = SessionCache(capacity: 0)
        let session = try fixture.session()
        #expect(!cache.insert(session.record, token: ByteBuffer(bytes: session.tokenHash), ticket: cache.ticket()))
        #expect(cache.session(token: ByteBuffer(bytes: session.tokenHash)) == nil)
    }
}
