/// Tunables of the Auth, Dealer and Client services.
public struct ServicesConfiguration: Sendable {
    /// Argon2id cost; `.minimal` only for tests.
    public var passwordCost = PasswordHasher.Cost.interactive
    /// Password hashes computed at once (each takes 64 MiB at the default
    /// cost): the worker threads of the server's hashing lane.
    public var maxConcurrentHashes = 2
    /// A session unused for this long is dead.
    public var sessionIdleTimeoutMs: Int64 = 12 * 3600 * 1000
    /// A session is dead this long after login, used or not.
    public var sessionLifetimeMs: Int64 = 7 * 24 * 3600 * 1000
    /// The absolute lifetime of a dealer's "log in to client" session.
    public var impersonationLifetimeMs: Int64 = 3600 * 1000
    /// Pending service requests expire after this long.
    public var requestLifetimeMs: Int64 = 30 * 24 * 3600 * 1000
    /// Failed logins on one login name allowed before throttling starts.
    public var loginFailuresBeforeThrottle = 5
    /// The first throttling delay; it doubles with each further failure.
    public var loginThrottleBaseDelayMs: Int64 = 1000
    /// The longest throttling delay.
    public var loginThrottleMaxDelayMs: Int64 = 15 * 60 * 1000
    /// Password length bounds, in UTF-8 bytes.
    public var passwordLength = 8...128
    /// Sessions kept in memory so that authenticated calls need no storage
    /// read (`SessionCache`, about 1 KiB each); 0 turns the cache off.
    public var sessionCacheCapacity = 100_000

    public init() {}

    /// Cheap hashing and the defaults otherwise: for tests.
    public static var testing: ServicesConfiguration {
        var configuration = ServicesConfiguration()
        configuration.passwordCost = .minimal
        return configuration
    }
}
