/// Per-call options of the typed clients and `DealerClientPool.call`.
public struct CallOptions: Sendable, Hashable {
    /// The call's deadline, sent to the server and enforced locally
    /// (DEADLINE_EXCEEDED). It covers every attempt, queueing and waiting
    /// for a connection. nil: the pool's `defaultTimeout`, or none.
    public var timeout: Duration?
    /// The session token for this call, overriding the pool's token provider
    /// ("" sends none). nil: the token provider's token.
    public var token: String?

    public init(timeout: Duration? = nil, token: String? = nil) {
        self.timeout = timeout
        self.token = token
    }
}
