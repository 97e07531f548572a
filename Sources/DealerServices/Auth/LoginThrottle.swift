import DealerProtocol
import Synchronization

/// Slows down password guessing on one login: after a few failures each
/// further attempt must wait a delay that doubles with every failure.
/// In memory: a restart forgets, which only ever lets a real user in sooner.
final class LoginThrottle: Sendable {
    private struct Entry {
        var failures: Int
        var lastFailureAt: Int64
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let freeFailures: Int
    private let baseDelayMs: Int64
    private let maxDelayMs: Int64
    /// Bound on remembered logins; stale and then the oldest are dropped beyond it.
    static let capacity = 100_000

    init(configuration: ServicesConfiguration) {
        freeFailures = configuration.loginFailuresBeforeThrottle
        baseDelayMs = configuration.loginThrottleBaseDelayMs
        maxDelayMs = configuration.loginThrottleMaxDelayMs
    }

    /// Throws RESOURCE_EXHAUSTED `LOGIN_THROTTLED` while `login` must wait.
    func check(_ login: String, now: Int64) throws {
        let retryAt: Int64? = entries.withLock { entries in
            guard let entry = entries[login.lowercased()], entry.failures >= freeFailures else { return nil }
            let exponent = min(entry.failures - freeFailures, 30)
            let delay = min(maxDelayMs, baseDelayMs << Int64(exponent))
            let until = entry.lastFailureAt + delay
            return now < until ? until : nil
        }
        if let retryAt {
            throw RPCError(
                .resourceExhausted, .loginThrottled,
                "too many failed logins for this login; retry in \((retryAt - now + 999) / 1000) s")
        }
    }

    func recordFailure(_ login: String, now: Int64) {
        entries.withLock { entries in
            let key = login.lowercased()
            if entries[key] == nil, entries.count >= Self.capacity {
                evict(&entries, now: now)
            }
            var entry = entries[key] ?? Entry(failures: 0, lastFailureAt: now)
            entry.failures += 1
            entry.lastFailureAt = now
            entries[key] = entry
        }
    }

    /// Makes room once the map is full: drops every entry whose delay has
    /// lapsed, and if that frees less than a quarter, the oldest half. One
    /// pass per many failures, not a scan per failure.
    private func evict(_ entries: inout [String: Entry], now: Int64) {
        entries = entries.filter { now - $0.value.lastFailureAt < maxDelayMs }
        if entries.count > Self.capacity * 3 / 4 {
            let newest = entries.sorted { $0.value.lastFailureAt > $1.value.lastFailureAt }.prefix(Self.capacity / 2)
            entries = Dictionary(uniqueKeysWithValues: newest.map { ($0.key, $0.value) })
        }
    }

    /// How many logins have failures on record.
    var rememberedLogins: Int { entries.withLock { $0.count } }

    func recordSuccess(_ login: String) {
        _ = entries.withLock { $0.removeValue(forKey: login.lowercased()) }
    }
}
