import DealerProtocol
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// N connections to one or more dealer servers, with reconnects, transparent
/// re-sending of calls that provably never ran, keepalive, an opt-in retry
/// policy, a token provider and metrics. The production way to call dealer.
///
/// ```swift
/// var configuration = DealerClientPool.Configuration(host: "127.0.0.1", port: 7420)
/// configuration.tokenProvider = tokens
/// try await withDealerClientPool(configuration: configuration) { pool in
///     let health = Health_V1_HealthClient(pool)
///     print(try await health.check().status)
/// }
/// ```
///
/// `run()` owns the connections (it is a swift-service-lifecycle `Service`;
/// run it in a `ServiceGroup` or use `withDealerClientPool`): calls made while
/// it is not running wait for a connection. Calls are spread over the
/// connections by load (the less loaded of two, in turn). A connection that closes
/// or receives GoAway is replaced at once, reconnecting with exponential
/// backoff and jitter while the server is unreachable, rotating through the
/// addresses. Calls that provably never ran on the server (refused before
/// sending, queued locally, or above a GoAway's `last_call_id`) are re-sent
/// on another connection; calls that may have run fail with UNAVAILABLE and
/// are re-sent only by a `RetryPolicy`, and only for idempotent methods.
/// Graceful shutdown stops taking calls, lets the outstanding ones finish and
/// closes the connections.
public final class DealerClientPool: Service, DealerCallTransport, Sendable {
    /// How a pool connects and calls.
    public struct Configuration: Sendable {
        /// The servers; each connection starts on one (round robin by slot)
        /// and moves to the next after a failed connect.
        public var addresses: [DealerAddress]
        /// Connections kept open in all.
        public var connections: Int = 4
        /// Sent in Hello, for the server's logs.
        public var clientName: String = "dealer-swift-client"
        public var connectTimeout: Duration = .seconds(10)
        /// How long a call waits for a usable connection (within its own
        /// timeout) before failing UNAVAILABLE `CONNECTION_CLOSED`.
        public var maxWaitForConnection: Duration = .seconds(30)
        /// Pauses between failed connect attempts of one connection.
        public var backoff = ConnectionBackoff()
        /// Keepalive Pings (at a third of the server's announced idle
        /// timeout); nil sends none.
        public var keepalive: DealerConnection.Keepalive? = DealerConnection.Keepalive()
        /// Re-sending of idempotent calls that failed and may have run; nil
        /// (the default) re-sends none.
        public var retryPolicy: RetryPolicy?
        /// Supplies the session token of each call and renews it on
        /// UNAUTHENTICATED `SESSION_INVALID`; nil sends none unless a call
        /// passes `CallOptions.token`.
        public var tokenProvider: (any TokenProvider)?
        /// The timeout of calls whose options set none; nil: no deadline.
        public var defaultTimeout: Duration?
        /// How often one call is re-sent because it provably never ran
        /// before it fails with the last connection's error.
        public var maxUnsentRetries: Int = 5
        /// The largest frame accepted from a server.
        public var maxInboundFrameSize: Int = 64 * 1024 * 1024
        /// TLS on every connection; nil (the default): plain TCP. Loaded once
        /// when `run()` starts, which throws `DealerTLS.ConfigurationError`
        /// (and fails waiting calls) if it cannot be.
        public var tls: DealerTLS?
        public var eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton

        public init(addresses: [DealerAddress]) {
            self.addresses = addresses
        }

        public init(host: String, port: Int) {
            self.init(addresses: [DealerAddress(host: host, port: port)])
        }
    }

    private struct State {
        var addresses: [DealerAddress]
        var slots: [DealerConnection?]
        var waiters: [UInt64: CheckedContinuation<DealerConnection, any Error>] = [:]
        var cancelledWaiters: Set<UInt64> = []
        var nextWaiterID: UInt64 = 0
        var nextSlot = 0
        var shuttingDown = false
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    }

    public let configuration: Configuration
    private let state: Mutex<State>
    private let retryThrottle: RetryThrottle?
    private let metrics = ClientMetrics()

    public init(configuration: Configuration) {
        precondition(!configuration.addresses.isEmpty, "a DealerClientPool needs at least one address")
        precondition(configuration.connections >= 1, "a DealerClientPool needs at least one connection")
        self.configuration = configuration
        self.state = Mutex(
            State(addresses: configuration.addresses, slots: Array(repeating: nil, count: configuration.connections)))
        self.retryThrottle = configuration.retryPolicy.map(RetryThrottle.init(policy:))
    }

    // MARK: Lifecycle

    /// Opens and maintains the connections until `beginGracefulShutdown()`,
    /// a graceful shutdown of the enclosing `ServiceGroup`, or cancellation;
    /// then drains them (outstanding calls finish, new ones fail UNAVAILABLE)
    /// and returns once every connection is closed.
    public func run() async throws {
        let tls: LoadedTLS?
        do {
            tls = try configuration.tls.map(LoadedTLS.init)
        } catch {
            beginGracefulShutdown()
            throw error
        }
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                for slot in 0..<configuration.connections {
                    group.addTask { await self.maintain(slot: slot, tls: tls) }
                }
                await withGracefulShutdownHandler {
                    await self.waitForShutdownRequest()
                } onGracefulShutdown: {
                    self.beginGracefulShutdown()
                }
                let open = state.withLock { state in
                    let open = state.slots.compactMap { $0 }
                    state.slots = Array(repeating: nil, count: state.slots.count)
                    return open
                }
                await withDiscardingTaskGroup { drains in
                    for connection in open {
                        drains.addTask { await connection.drain() }
                    }
                }
                group.cancelAll()
            }
        } onCancel: {
            self.beginGracefulShutdown()
        }
    }

    /// Starts the graceful shutdown: new calls fail UNAVAILABLE at once,
    /// outstanding ones finish, then `run()` closes the connections and returns.
    public func beginGracefulShutdown() {
        let (waiters, shutdownWaiters) = state.withLock { state in
            state.shuttingDown = true
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll()
            let shutdownWaiters = state.shutdownWaiters
            state.shutdownWaiters.removeAll()
            return (waiters, shutdownWaiters)
        }
        for waiter in waiters { waiter.resume(throwing: Self.shutDownError) }
        for waiter in shutdownWaiters { waiter.resume() }
    }

    /// Replaces the server addresses (e.g. from service discovery); used by
    /// the next connect attempts. Open connections stay until they close.
    public func updateAddresses(_ addresses: [DealerAddress]) {
        precondition(!addresses.isEmpty, "a DealerClientPool needs at least one address")
        state.withLock { $0.addresses = addresses }
    }

    /// The connections open and usable now.
    public var usableConnections: [DealerConnection] {
        state.withLock { $0.slots.compactMap { $0 }.filter(\.isUsable) }
    }

    private static let shutDownError = RPCError(.unavailable, .connectionClosed, "the client pool is shut down")

    private func waitForShutdownRequest() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let already = state.withLock { state in
                if state.shuttingDown { return true }
                state.shutdownWaiters.append(continuation)
                return false
            }
            if already { continuation.resume() }
        }
    }

    /// Keeps slot `slot` connected until shutdown.
    private func maintain(slot: Int, tls: LoadedTLS?) async {
        var backoff = ConnectionBackoff.Iterator(configuration.backoff)
        var failures = 0
        while !Task.isCancelled {
            let address: DealerAddress? = state.withLock { state in
                state.shuttingDown ? nil : state.addresses[(slot + failures) % state.addresses.count]
            }
            guard let address else { return }
            do {
                let connection = try await DealerConnection.connect(
                    host: address.host, port: address.port, clientName: configuration.clientName,
                    maxFrameSize: configuration.maxInboundFrameSize,
                    connectTimeout: timeAmount(configuration.connectTimeout),
                    keepalive: configuration.keepalive, tls: tls, eventLoopGroup: configuration.eventLoopGroup)
                guard publish(connection, slot: slot) else {
                    await connection.close()
                    return
                }
                backoff = ConnectionBackoff.Iterator(configuration.backoff)
                failures = 0
                await connection.waitUntilUnusable()
                retire(connection)
            } catch {
                failures += 1
                do {
                    try await Task.sleep(for: backoff.next())
                } catch {
                    return
                }
            }
        }
    }

    /// Puts a fresh connection in its slot and hands it to waiting calls;
    /// false when the pool is shutting down.
    private func publish(_ connection: DealerConnection, slot: Int) -> Bool {
        let waiters = state.withLock { state -> [CheckedContinuation<DealerConnection, any Error>]? in
            if state.shuttingDown { return nil }
            state.slots[slot] = connection
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll()
            return waiters
        }
        guard let waiters else { return false }
        for waiter in waiters { waiter.resume(returning: connection) }
        return true
    }

    /// Takes a connection that stopped taking calls out of its slot.
    private func retire(_ connection: DealerConnection) {
        state.withLock { state in
            for index in state.slots.indices where state.slots[index] === connection {
                state.slots[index] = nil
            }
        }
    }

    // MARK: Picking a connection

    /// The less loaded of two usable connections ("power of two choices":
    /// the next slot in turn and the one half the ring away), which spreads
    /// load almost as well as scanning every connection at a constant cost
    /// per call; when either is missing or unusable, the usable connection
    /// with the fewest outstanding calls.
    private func leastLoadedConnection() -> DealerConnection? {
        state.withLock { state in
            if state.shuttingDown { return nil }
            let count = state.slots.count
            state.nextSlot = (state.nextSlot + 1) % count
            if let first = state.slots[state.nextSlot], first.isUsable {
                guard count > 1, let second = state.slots[(state.nextSlot + count / 2) % count], second.isUsable else {
                    return first
                }
                return second.outstandingCalls < first.outstandingCalls ? second : first
            }
            var best: DealerConnection?
            var bestLoad = Int.max
            for offset in 0..<count {
                guard let connection = state.slots[(state.nextSlot + offset) % count], connection.isUsable else { continue }
                let load = connection.outstandingCalls
                if load < bestLoad {
                    best = connection
                    bestLoad = load
                    if load == 0 { break }
                }
            }
            return best
        }
    }

    /// A usable connection, waiting for one up to the call's deadline and
    /// `maxWaitForConnection`.
    private func connection(before deadline: ContinuousClock.Instant?) async throws -> DealerConnection {
        if let connection = leastLoadedConnection() { return connection }
        let waitLimit = ContinuousClock.now + configuration.maxWaitForConnection
        let limit = deadline.map { min($0, waitLimit) } ?? waitLimit
        let timeoutError =
            limit == deadline
            ? RPCError(.deadlineExceeded, .deadlineExceeded, "the call's deadline passed while waiting for a connection")
            : RPCError(.unavailable, .connectionClosed, "no connection to the server could be opened in time")
        return try await withThrowingTaskGroup(of: DealerConnection.self) { group in
            group.addTask { try await self.waitForConnection() }
            group.addTask {
                try? await Task.sleep(until: limit, clock: .continuous)
                throw timeoutError
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    private func waitForConnection() async throws -> DealerConnection {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<DealerConnection, any Error>) in
                let immediate = state.withLock { state -> Result<DealerConnection, any Error>? in
                    if state.shuttingDown { return .failure(Self.shutDownError) }
                    if state.cancelledWaiters.remove(id) != nil {
                        return .failure(RPCError(.cancelled, .cancelled, "the call was cancelled"))
                    }
                    if let ready = state.slots.lazy.compactMap({ $0 }).first(where: \.isUsable) { return .success(ready) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                let waiter = state.waiters.removeValue(forKey: id)
                if waiter == nil { state.cancelledWaiters.insert(id) }
                return waiter
            }
            waiter?.resume(throwing: RPCError(.cancelled, .cancelled, "the call was cancelled"))
        }
    }

    // MARK: Calls

    /// Calls `method` over the pool: attaches the token provider's token,
    /// re-sends the call when it provably never ran, renews the token once on
    /// `SESSION_INVALID`, and retries idempotent calls by the retry policy.
    ///
    /// - Parameter idempotent: whether the retry policy may re-send the call
    ///   after a failure that may have run (the generated clients set it).
    /// - Throws: `RPCError`.
    public func call<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ request: Request,
        options: CallOptions = CallOptions(),
        idempotent: Bool = false
    ) async throws -> Response {
        let start = ContinuousClock.now
        var code = StatusCode.ok
        defer { metrics.record(method: method.path, code: code, duration: .now - start) }
        do {
            return try await callWithRetries(method, request, options: options, idempotent: idempotent, start: start)
        } catch let error as RPCError {
            code = error.code
            throw error
        } catch {
            code = .unknown
            throw error
        }
    }

    private func callWithRetries<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ request: Request,
        options: CallOptions,
        idempotent: Bool,
        start: ContinuousClock.Instant
    ) async throws -> Response {
        let deadline = (options.timeout ?? configuration.defaultTimeout).map { start + $0 }
        var token = ""
        if let explicit = options.token {
            token = explicit
        } else if let provider = configuration.tokenProvider {
            token = try await provider.currentToken(pool: self)
        }
        var attempts = 1
        var unsentRetries = 0
        var renewedToken = false
        while true {
            let remaining = deadline.map { $0 - .now }
            if let remaining, remaining <= .zero {
                throw RPCError(.deadlineExceeded, .deadlineExceeded, "the call's deadline passed")
            }
            let connection = try await connection(before: deadline)
            do {
                let response = try await connection.attempt(method, request, token: token, timeout: remaining)
                retryThrottle?.recordSuccess()
                return response
            } catch let unsent as UnsentCallError {
                retire(connection)
                unsentRetries += 1
                if unsentRetries > configuration.maxUnsentRetries { throw unsent.error }
            } catch let error as RPCError {
                if error.code == .unauthenticated, error.reason == .sessionInvalid, options.token == nil, !renewedToken,
                    let provider = configuration.tokenProvider
                {
                    renewedToken = true
                    guard let fresh = try? await provider.renewToken(rejected: token, pool: self) else { throw error }
                    token = fresh
                    continue
                }
                guard idempotent, let policy = configuration.retryPolicy, let retryThrottle, attempts < policy.maxAttempts,
                    policy.retryableStatusCodes.contains(error.code), retryThrottle.recordFailure()
                else { throw error }
                let pause = policy.backoff(beforeRetry: attempts)
                attempts += 1
                if let deadline, .now + pause >= deadline { throw error }
                do {
                    try await Task.sleep(for: pause)
                } catch {
                    throw RPCError(.cancelled, .cancelled, "the call was cancelled")
                }
            }
        }
    }
}

/// Runs `body` with a running `DealerClientPool`, then shuts the pool down
/// gracefully (outstanding calls finish) on every path out of `body`.
public func withDealerClientPool<Result>(
    configuration: DealerClientPool.Configuration,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (DealerClientPool) async throws -> Result
) async throws -> Result {
    let pool = DealerClientPool(configuration: configuration)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await pool.run() }
        let result: Result
        do {
            result = try await body(pool)
        } catch {
            pool.beginGracefulShutdown()
            try? await group.waitForAll()
            throw error
        }
        pool.beginGracefulShutdown()
        try await group.waitForAll()
        return result
    }
}
