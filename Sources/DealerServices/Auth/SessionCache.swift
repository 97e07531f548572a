import DealerStore
public import NIOCore
import Synchronization

/// Sessions read from storage, kept in memory so that an authenticated call
/// needs no storage read (bounded; CLOCK eviction, an approximation of
/// least-recently-used). Entries are found by a keyed hash of the token
/// (`Key`: SipHash-128 under a secret drawn at start), so a hit costs no
/// SHA-256 and memory holds no token.
///
/// It never serves a session after a committed change to it: the store tells
/// it (`DealerStore.observeIdentityChanges`) which `sessions`, `users` and
/// `accounts` rows every write transaction changed, right after the COMMIT and
/// before the write is acknowledged, and every entry depending on one of those
/// rows (its session, parent session, user, impersonator, account, the
/// impersonator's account) is dropped. A reader that fetched a row before such
/// a commit cannot put it back afterwards: it takes a `Ticket` before reading
/// and `insert` refuses it if an invalidation since then changed a row its
/// entry depends on (or if more invalidations happened since than the cache
/// remembers, `rememberedInvalidations`). Invalidations of unrelated rows do
/// not refuse it: under a steady stream of writes, sessions still get cached.
///
/// Expiry and idle time are not the cache's business: callers check the
/// record they get against the clock (`Authenticator`).
public final class SessionCache: Sendable {
    /// The cache's generation when a read from storage began.
    public struct Ticket: Sendable {
        fileprivate let generation: UInt64
    }

    /// A token's keyed 128-bit SipHash under this cache's secret, as two
    /// words: no heap allocation per key. Not the SHA-256 the database keeps
    /// (a cache hit costs no SHA-256), and not the token: memory holds no
    /// value that authenticates anybody or matches a database row.
    struct Key: Hashable {
        let words: (UInt64, UInt64)

        init(token: ByteBuffer, secret: [UInt8]) {
            words = token.withUnsafeReadableBytes { token in
                secret.withUnsafeBytes { Sodium.sipHash128(token, key: $0) }
            }
        }

        static func == (lhs: Key, rhs: Key) -> Bool {
            lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(words.0)
            hasher.combine(words.1)
        }
    }

    /// A row an entry was built from: a change to it drops the entry.
    private enum Dependency: Hashable {
        case session(Int64)
        case user(Int64)
        case account(Int64)
    }

    private struct Entry {
        var key: Key
        var session: SessionRecord
        /// Used since the clock hand last passed (CLOCK's second chance).
        var referenced: Bool

        var dependencies: [Dependency] {
            var dependencies: [Dependency] = [.session(session.id), .user(session.userID), .account(session.accountID)]
            if let parent = session.parent { dependencies.append(.session(parent.id)) }
            if let userID = session.impersonatorUserID { dependencies.append(.user(userID)) }
            if let accountID = session.impersonatorAccountID { dependencies.append(.account(accountID)) }
            return dependencies
        }
    }

    private struct State {
        var slots: [Entry?] = []
        var freeSlots: [Int] = []
        var slotByKey: [Key: Int] = [:]
        var dependents: [Dependency: Set<Int>] = [:]
        var hand = 0
        var generation: UInt64 = 0
        /// The rows of the latest invalidations, oldest first, with the
        /// generation each one made; at most `rememberedInvalidations`.
        var recentInvalidations: [(generation: UInt64, dependencies: Set<Dependency>)] = []

        /// Whether an entry read under `ticket` may be cached: no invalidation
        /// since then touched one of `dependencies`, and all of them are remembered.
        func admits(_ dependencies: [Dependency], ticket: Ticket) -> Bool {
            guard generation != ticket.generation else { return true }
            guard let oldest = recentInvalidations.first, oldest.generation <= ticket.generation &+ 1 else { return false }
            for invalidation in recentInvalidations.reversed() {
                guard invalidation.generation > ticket.generation else { break }
                if dependencies.contains(where: invalidation.dependencies.contains) { return false }
            }
            return true
        }

        mutating func remove(slot: Int) {
            guard let entry = slots[slot] else { return }
            slotByKey[entry.key] = nil
            for dependency in entry.dependencies {
                dependents[dependency]?.remove(slot)
                if dependents[dependency]?.isEmpty == true { dependents[dependency] = nil }
            }
            slots[slot] = nil
            freeSlots.append(slot)
        }

        /// A slot for a new entry: a free one, a new one below `capacity`, or
        /// the first unreferenced one under the clock hand (evicted).
        mutating func vacantSlot(capacity: Int) -> Int {
            if let slot = freeSlots.popLast() { return slot }
            if slots.count < capacity {
                slots.append(nil)
                return slots.count - 1
            }
            while true {
                let slot = hand
                hand = (hand + 1) % slots.count
                if slots[slot]!.referenced {
                    slots[slot]!.referenced = false
                } else {
                    remove(slot: slot)
                    return freeSlots.removeLast()
                }
            }
        }
    }

    /// Most sessions held; 0 turns the cache off.
    public let capacity: Int
    /// Invalidations remembered for the insert check: a read that spans more
    /// commits than this is not cached (the next lookup reads again).
    public static let rememberedInvalidations = 256
    private let state = Mutex(State())
    private let hitCount = Atomic<Int>(0)
    private let missCount = Atomic<Int>(0)
    private let evictionCount = Atomic<Int>(0)
    private let invalidationCount = Atomic<Int>(0)
    private let refusedInsertCount = Atomic<Int>(0)
    /// The SipHash key of `Key`, drawn when the cache is made.
    private let secret = Sodium.randomBytes(Sodium.sipHash128KeyBytes)

    public init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// Counters since the cache was made, for metrics (hit ratio).
    public var statistics: SessionCacheStatistics {
        SessionCacheStatistics(
            entries: state.withLock { $0.slotByKey.count },
            hits: hitCount.load(ordering: .relaxed), misses: missCount.load(ordering: .relaxed),
            evictions: evictionCount.load(ordering: .relaxed), invalidatedEntries: invalidationCount.load(ordering: .relaxed),
            refusedInserts: refusedInsertCount.load(ordering: .relaxed))
    }

    /// Takes a ticket; read the session from storage after this, then `insert`.
    public func ticket() -> Ticket {
        Ticket(generation: state.withLock { $0.generation })
    }

    /// The cached session for a token (its bytes as sent), or nil. Does not count a hit or a
    /// miss: the caller does, once it knows whether the entry answers its call.
    public func session(token: ByteBuffer) -> SessionRecord? {
        guard capacity > 0 else { return nil }
        let key = Key(token: token, secret: secret)
        return state.withLock { state in
            guard let slot = state.slotByKey[key] else { return nil }
            state.slots[slot]!.referenced = true
            return state.slots[slot]!.session
        }
    }

    /// Records that a lookup was answered from memory (`true`) or needed storage.
    public func count(hit: Bool) {
        if hit {
            hitCount.add(1, ordering: .relaxed)
        } else {
            missCount.add(1, ordering: .relaxed)
        }
    }

    /// Caches `session`, read from storage after `ticket` was taken, unless an
    /// invalidation since then changed a row it depends on (then the read may
    /// predate a committed change).
    /// Returns whether it was cached.
    @discardableResult
    public func insert(_ session: SessionRecord, token: ByteBuffer, ticket: Ticket) -> Bool {
        guard capacity > 0 else { return false }
        let key = Key(token: token, secret: secret)
        let (inserted, evicted) = state.withLock { (state: inout State) -> (Bool, Bool) in
            let entry = Entry(key: key, session: session, referenced: false)
            guard state.admits(entry.dependencies, ticket: ticket) else { return (false, false) }
            if let slot = state.slotByKey[key] { state.remove(slot: slot) }
            let evicts = state.freeSlots.isEmpty && state.slots.count >= capacity
            let slot = state.vacantSlot(capacity: capacity)
            state.slots[slot] = entry
            state.slotByKey[key] = slot
            for dependency in entry.dependencies { state.dependents[dependency, default: []].insert(slot) }
            return (true, evicts)
        }
        if !inserted { refusedInsertCount.add(1, ordering: .relaxed) }
        if evicted { evictionCount.add(1, ordering: .relaxed) }
        return inserted
    }

    /// Drops every entry built from a changed row, and refuses inserts that
    /// depend on one of those rows and whose ticket predates this call.
    public func invalidate(_ changes: IdentityRowChanges) {
        let dependencies =
            changes.sessionIDs.map(Dependency.session) + changes.userIDs.map(Dependency.user)
            + changes.accountIDs.map(Dependency.account)
        let remembered = Set(dependencies)
        let dropped = state.withLock { state in
            state.generation &+= 1
            state.recentInvalidations.append((state.generation, remembered))
            if state.recentInvalidations.count > Self.rememberedInvalidations {
                state.recentInvalidations.removeFirst(state.recentInvalidations.count - Self.rememberedInvalidations)
            }
            var dropped = 0
            for dependency in dependencies {
                guard let slots = state.dependents[dependency] else { continue }
                for slot in slots where state.slots[slot] != nil {
                    state.remove(slot: slot)
                    dropped += 1
                }
            }
            return dropped
        }
        if dropped > 0 { invalidationCount.add(dropped, ordering: .relaxed) }
    }
}

/// A snapshot of a `SessionCache`'s counters.
public struct SessionCacheStatistics: Sendable, Equatable {
    /// Sessions held now.
    public var entries: Int
    /// Authenticated calls whose session was answered from memory.
    public var hits: Int
    /// Lookups that needed storage (not cached, or a touch of `last_seen_at` due).
    public var misses: Int
    /// Entries pushed out by the capacity bound.
    public var evictions: Int
    /// Entries dropped because a committed write changed their rows.
    public var invalidatedEntries: Int
    /// Storage reads not cached because an invalidation happened during them.
    public var refusedInserts: Int
}
