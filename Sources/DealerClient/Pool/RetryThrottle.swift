import Synchronization

/// The retry budget of a `RetryPolicy`, shared by every call of one pool.
final class RetryThrottle: Sendable {
    private let tokens: Mutex<Double>
    private let maxTokens: Double
    private let tokenRatio: Double

    init(policy: RetryPolicy) {
        maxTokens = Double(policy.maxTokens)
        tokenRatio = policy.tokenRatio
        tokens = Mutex(Double(policy.maxTokens))
    }

    /// A failed attempt: takes a token; true when a retry is still allowed.
    func recordFailure() -> Bool {
        tokens.withLock { tokens in
            tokens = max(0, tokens - 1)
            return tokens > maxTokens / 2
        }
    }

    func recordSuccess() {
        tokens.withLock { tokens in tokens = min(maxTokens, tokens + tokenRatio) }
    }
}
