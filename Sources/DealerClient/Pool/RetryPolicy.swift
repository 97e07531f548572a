import DealerProtocol

/// When `DealerClientPool` re-sends a failed idempotent call, in the style of
/// grpc-swift-2's `RetryPolicy`. Opt-in: the pool retries nothing without one.
///
/// Only idempotent methods are retried: reads (a name starting with List,
/// Get, Find, WhoAmI or Check) and writes whose request carries a non-empty
/// `operation_id`; the generated clients pass this per method (see each
/// service's `idempotentMethodPaths`). Calls that provably never ran (refused
/// before sending or above a GoAway's `last_call_id`) are re-sent for every
/// method, with or without a policy.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included (at least 2 to retry at all).
    public var maxAttempts: Int
    /// The pause before the first retry; later ones grow by `backoffMultiplier`
    /// up to `maxBackoff`, each picked at random in [0, backoff] (full jitter).
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    public var backoffMultiplier: Double
    /// The codes that trigger a retry.
    public var retryableStatusCodes: Set<StatusCode>
    /// A retry budget (grpc-swift-2's retry throttling): each failed attempt
    /// takes one token, each success gives back `tokenRatio`; retries stop
    /// while fewer than half of `maxTokens` are left.
    public var maxTokens: Int
    public var tokenRatio: Double

    public init(
        maxAttempts: Int = 3,
        initialBackoff: Duration = .milliseconds(50),
        maxBackoff: Duration = .seconds(2),
        backoffMultiplier: Double = 2,
        retryableStatusCodes: Set<StatusCode> = [.unavailable],
        maxTokens: Int = 10,
        tokenRatio: Double = 0.1
    ) {
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.backoffMultiplier = backoffMultiplier
        self.retryableStatusCodes = retryableStatusCodes
        self.maxTokens = maxTokens
        self.tokenRatio = tokenRatio
    }

    /// The pause before retry number `retry` (1 for the first).
    func backoff(beforeRetry retry: Int) -> Duration {
        let initial = Double(initialBackoff.components.seconds) + Double(initialBackoff.components.attoseconds) / 1e18
        let limit = Double(maxBackoff.components.seconds) + Double(maxBackoff.components.attoseconds) / 1e18
        let ceiling = min(limit, initial * pow(backoffMultiplier, Double(retry - 1)))
        return .nanoseconds(Int64(Double.random(in: 0...max(0, ceiling)) * 1e9))
    }
}

private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var remaining = Int(exponent)
    while remaining > 0 {
        result *= base
        remaining -= 1
    }
    return result
}
