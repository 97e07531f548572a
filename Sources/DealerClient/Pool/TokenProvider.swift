/// Where `DealerClientPool` gets the session token it attaches to each call
/// (unless the call's `CallOptions.token` overrides it).
public protocol TokenProvider: Sendable {
    /// The token to send now ("" for none). Called once per call; keep it cheap.
    func currentToken(pool: DealerClientPool) async throws -> String

    /// Called when a call sent with `rejected` failed UNAUTHENTICATED
    /// `SESSION_INVALID`: return a fresh token (log in again), and the pool
    /// retries that call once with it. Throw to give up (the call then fails
    /// with the original error).
    func renewToken(rejected: String, pool: DealerClientPool) async throws -> String
}

/// A `TokenProvider` holding the current session token, renewed by a login
/// closure; concurrent renewals of the same rejected token log in once.
///
/// The login closure gets the pool; it must not take its token from this
/// provider: call Login with `CallOptions(token: "")`.
///
/// ```swift
/// let tokens = SessionTokenProvider { pool in
///     try await Auth_V1_AuthServiceClient(pool)
///         .login(.init(login: "svc", password: secret), options: .init(token: "")).token
/// }
/// ```
public actor SessionTokenProvider: TokenProvider {
    private let login: @Sendable (DealerClientPool) async throws -> String
    private var token: String
    /// Non-nil while a login runs: the renewals waiting for it.
    private var waiting: [CheckedContinuation<String, any Error>]?
    /// How many times the login closure has run.
    public private(set) var logins = 0

    /// - Parameters:
    ///   - token: the initial token ("" to log in on first use).
    ///   - login: logs in and returns a fresh token.
    public init(token: String = "", login: @escaping @Sendable (DealerClientPool) async throws -> String) {
        self.token = token
        self.login = login
    }

    public func currentToken(pool: DealerClientPool) async throws -> String {
        if token.isEmpty { return try await renewToken(rejected: "", pool: pool) }
        return token
    }

    public func renewToken(rejected: String, pool: DealerClientPool) async throws -> String {
        if token != rejected && !token.isEmpty { return token }
        if waiting != nil {
            return try await withCheckedThrowingContinuation { waiting?.append($0) }
        }
        waiting = []
        logins += 1
        let result: Result<String, any Error>
        do {
            result = .success(try await login(pool))
        } catch {
            result = .failure(error)
        }
        if case .success(let fresh) = result { token = fresh }
        let waiters = waiting ?? []
        waiting = nil
        for waiter in waiters { waiter.resume(with: result) }
        return try result.get()
    }
}
