import DealerProtocol
import DealerStore

/// Turns a call's token into a `Principal`, or fails with UNAUTHENTICATED.
/// The one way every service resolves its caller.
public struct Authenticator: Sendable {
    private let store: DealerStore
    private let clock: any WallClock
    private let idleTimeoutMs: Int64
    /// `last_seen_at` is written at most this often per session, so reads
    /// do not each cost a write.
    private let touchIntervalMs: Int64

    init(store: DealerStore, clock: any WallClock, configuration: ServicesConfiguration) {
        self.store = store
        self.clock = clock
        self.idleTimeoutMs = configuration.sessionIdleTimeoutMs
        self.touchIntervalMs = min(60_000, max(1, configuration.sessionIdleTimeoutMs / 10))
    }

    /// The principal behind `context.sessionToken`. Blocking (storage).
    public func principal(for context: CallContext) throws -> Principal {
        guard !context.sessionToken.isEmpty else {
            throw RPCError(.unauthenticated, .tokenRequired, "this method needs a session token: log in first")
        }
        let now = clock.nowMilliseconds()
        guard let session = try store.session(tokenHash: SessionToken.hash(context.sessionToken)),
            session.isActive(now: now),
            now - session.idleSince < idleTimeoutMs
        else {
            throw RPCError(.unauthenticated, .sessionInvalid, "the session is unknown, expired or revoked: log in again")
        }
        if now - session.lastSeenAt >= touchIntervalMs {
            try store.touchSession(id: session.id, now: now)
        }
        return Principal(session: session)
    }
}
