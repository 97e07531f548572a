import DealerProtocol
import DealerStore
import NIOCore

/// Turns a call's token into a `Principal`, or fails with UNAUTHENTICATED.
/// The one way every service resolves its caller.
///
/// Sessions are kept in a `SessionCache` that the store invalidates on every
/// committed change to a session, its user or its account(s); expiry, idle
/// time and the `last_seen_at` touch are checked against the clock on every
/// call, cached or not.
public struct Authenticator: Sendable {
    private let store: DealerStore
    private let clock: any WallClock
    private let idleTimeoutMs: Int64
    /// `last_seen_at` is written at most this often per session, so reads
    /// do not each cost a write.
    private let touchIntervalMs: Int64
    let cache: SessionCache

    init(store: DealerStore, clock: any WallClock, configuration: ServicesConfiguration) {
        self.store = store
        self.clock = clock
        self.idleTimeoutMs = configuration.sessionIdleTimeoutMs
        self.touchIntervalMs = min(60_000, max(1, configuration.sessionIdleTimeoutMs / 10))
        let cache = SessionCache(capacity: configuration.sessionCacheCapacity)
        self.cache = cache
        store.observeIdentityChanges { changes in cache.invalidate(changes) }
    }

    /// The principal behind `context.sessionToken`. Blocking (storage) unless
    /// the session is cached.
    public func principal(for context: CallContext) throws -> Principal {
        let token = try Self.token(context)
        let now = clock.nowMilliseconds()
        if let principal = cachedPrincipal(token, now: now) { return principal }
        let ticket = cache.ticket()
        guard let session = try store.session(tokenHash: SessionToken.hash(token.readableBytesView)), isLive(session, now: now)
        else {
            throw RPCError(.unauthenticated, .sessionInvalid, "the session is unknown, expired or revoked: log in again")
        }
        if touchDue(session, now: now) {
            // The touch's commit drops any cached copy; the next call caches the touched row.
            try store.touchSession(id: session.id, now: now)
        } else {
            cache.insert(session, token: token, ticket: ticket)
        }
        return Principal(session: session)
    }

    /// The principal behind `context.sessionToken` from memory, without
    /// blocking: nil when the call needs storage (the session is not cached,
    /// is no longer live by the clock, or its `last_seen_at` touch is due).
    /// Throws only for a call without a token.
    public func principalFromMemory(for context: CallContext) throws -> Principal? {
        cachedPrincipal(try Self.token(context), now: clock.nowMilliseconds())
    }

    /// Counts a hit or a miss.
    private func cachedPrincipal(_ token: ByteBuffer, now: Int64) -> Principal? {
        guard let session = cache.session(token: token), isLive(session, now: now), !touchDue(session, now: now)
        else {
            cache.count(hit: false)
            return nil
        }
        cache.count(hit: true)
        return Principal(session: session)
    }

    /// The call's token bytes; UNAUTHENTICATED (`TOKEN_REQUIRED`) when it sent none.
    private static func token(_ context: CallContext) throws -> ByteBuffer {
        guard context.sessionTokenBytes.readableBytes > 0 else {
            throw RPCError(.unauthenticated, .tokenRequired, "this method needs a session token: log in first")
        }
        return context.sessionTokenBytes
    }

    private func isLive(_ session: SessionRecord, now: Int64) -> Bool {
        session.isActive(now: now) && now - session.idleSince < idleTimeoutMs
    }

    private func touchDue(_ session: SessionRecord, now: Int64) -> Bool {
        now - session.lastSeenAt >= touchIntervalMs
    }
}
