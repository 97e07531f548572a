import DealerProtocol
import Synchronization

/// Slows down password guessing on one login: after a few failures each
/// further attempt must wait a delay that doubles with every failure.
/// In memory: a restart forgets, which only ever lets a real user in sooner.
///
/// An attempt is counted as a failure when it is admitted (`admit`), before
/// its password is checked, in the same critical section as the check: so
/// parallel wrong guesses cannot all pass the check before any of them is
/// recorded. A correct password clears the login (`recordSuccess`); an attempt
/// that ended without a verdict (hashing busy, storage failure) is taken back
/// (`withdraw`).
///
/// Memory is bounded in entries (`capacity`, default 100,000) and in bytes
/// (`byteCapacity`, default 8 MiB: keys plus a fixed per-entry overhead);
/// keys are at most `maxKeyBytes`.
final class LoginThrottle: Sendable {
    private struct Entry {
        var failures: Int
        var lastFailureAt: Int64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Sum of `LoginThrottle.cost(of:)` over the keys.
        var bytes = 0
    }

    private let state = Mutex(State())
    private let freeFailures: Int
    private let baseDelayMs: Int64
    private let maxDelayMs: Int64
    /// Bound on remembered logins; stale and then the oldest are dropped beyond it.
    let capacity: Int
    /// Bound on the memory of the remembered logins, in bytes (estimated: key
    /// bytes plus `entryOverhead` each).
    let byteCapacity: Int
    /// Estimated bytes per entry besides its key (dictionary slot, entry, string header).
    static let entryOverhead = 64
    /// Longest key kept (a valid login is at most 64 ASCII characters); longer ones are cut.
    static let maxKeyBytes = 64

    init(configuration: ServicesConfiguration, capacity: Int = 100_000, byteCapacity: Int = 8 * 1024 * 1024) {
        self.capacity = capacity
        self.byteCapacity = byteCapacity
        freeFailures = configuration.loginFailuresBeforeThrottle
        baseDelayMs = configuration.loginThrottleBaseDelayMs
        maxDelayMs = configuration.loginThrottleMaxDelayMs
    }

    private static func key(_ login: String) -> String {
        String(decoding: login.lowercased().utf8.prefix(maxKeyBytes), as: UTF8.self)
    }

    private static func cost(of key: String) -> Int { key.utf8.count + entryOverhead }

    /// Admits one login attempt at `now`, counting it as a failure until
    /// `recordSuccess` or `withdraw`; throws RESOURCE_EXHAUSTED `LOGIN_THROTTLED`
    /// (and counts nothing) while `login` must wait. Check and count are atomic.
    func admit(_ login: String, now: Int64) throws {
        let key = Self.key(login)
        let retryAt: Int64? = state.withLock { state in
            if let entry = state.entries[key], entry.failures >= freeFailures {
                let exponent = min(entry.failures - freeFailures, 30)
                let delay = min(maxDelayMs, baseDelayMs << Int64(exponent))
                let until = entry.lastFailureAt + delay
                if now < until { return until }
            }
            if state.entries[key] == nil {
                if state.entries.count >= capacity || state.bytes + Self.cost(of: key) > byteCapacity {
                    evict(&state, now: now)
                }
                state.bytes += Self.cost(of: key)
            }
            var entry = state.entries[key] ?? Entry(failures: 0, lastFailureAt: now)
            entry.failures += 1
            entry.lastFailureAt = now
            state.entries[key] = entry
            return nil
        }
        if let retryAt {
            throw RPCError(
                .resourceExhausted, .loginThrottled,
                "too many failed logins for this login; retry in \((retryAt - now + 999) / 1000) s")
        }
    }

    /// Makes room once the map is full: drops every entry whose delay has
    /// lapsed, and if that frees less than a quarter, the oldest half. One
    /// pass per many failures, not a scan per failure.
    private func evict(_ state: inout State, now: Int64) {
        var entries = state.entries.filter { now - $0.value.lastFailureAt < maxDelayMs }
        func bytes() -> Int { entries.keys.reduce(0) { $0 + Self.cost(of: $1) } }
        if entries.count > capacity * 3 / 4 || bytes() > byteCapacity * 3 / 4 {
            let newest = entries.sorted { $0.value.lastFailureAt > $1.value.lastFailureAt }.prefix(entries.count / 2)
            entries = Dictionary(uniqueKeysWithValues: newest.map { ($0.key, $0.value) })
        }
        state.entries = entries
        state.bytes = bytes()
    }

    /// How many logins have failures on record.
    var rememberedLogins: Int { state.withLock { $0.entries.count } }

    /// The estimated memory of the remembered logins, in bytes (at most `byteCapacity`).
    var rememberedBytes: Int { state.withLock { $0.bytes } }

    /// The password was right: forget the login's failures.
    func recordSuccess(_ login: String) {
        state.withLock { state in
            let key = Self.key(login)
            if state.entries.removeValue(forKey: key) != nil { state.bytes -= Self.cost(of: key) }
        }
    }

    /// Takes back an admitted attempt that ended without checking the password.
    func withdraw(_ login: String) {
        state.withLock { state in
            let key = Self.key(login)
            guard var entry = state.entries[key] else { return }
            entry.failures -= 1
            if entry.failures <= 0 {
                state.entries[key] = nil
                state.bytes -= Self.cost(of: key)
            } else {
                state.entries[key] = entry
            }
        }
    }
}
