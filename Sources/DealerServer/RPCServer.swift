import DealerProtocol
import DealerServices
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// The framed-protobuf TCP server (inside TLS when `ServerConfiguration.tls`
/// is set): binds, serves `MethodTable`, and shuts
/// down gracefully (stop accepting, GoAway to every connection, finish the
/// calls in flight, close) when the service group signals it or `shutdown()`
/// is called.
public final class RPCServer: Service, Sendable {
    /// The address the server listens on (the real port when 0 was asked for).
    public let localAddress: SocketAddress

    private let core: ServerCore
    private let serverChannel: any Channel
    private let connections: ConnectionRegistry
    private let servingState: ServingState?
    private let logger: Logger
    /// The HTTP metrics endpoint (`ServerConfiguration.metricsPort`), if any.
    private let metricsEndpoint: MetricsEndpoint?
    /// Where shutdown is; callers of `shutdown()` after the first wait here
    /// until it is done. Plain state, not a promise, so dropping a server that
    /// was never shut down leaks nothing and trips no debug check.
    private let shutdownState = Mutex(ShutdownState.running)

    private enum ShutdownState {
        case running
        case shuttingDown(waiters: [CheckedContinuation<Void, Never>])
        case stopped
    }

    private init(
        core: ServerCore, serverChannel: any Channel, connections: ConnectionRegistry, servingState: ServingState?,
        logger: Logger, metricsEndpoint: MetricsEndpoint?
    ) {
        self.metricsEndpoint = metricsEndpoint
        self.core = core
        self.connections = connections
        self.serverChannel = serverChannel
        self.localAddress = serverChannel.localAddress!
        self.servingState = servingState
        self.logger = logger
    }

    deinit {
        // Dropped without shutdown (e.g. a test that gave up early): stop
        // listening instead of accepting connections nobody will drain.
        let neverShutDown = shutdownState.withLock { state in
            if case .running = state { true } else { false }
        }
        if neverShutDown {
            serverChannel.close(promise: nil)
            metricsEndpoint?.closeWithoutWaiting()
        }
    }

    /// Binds and starts accepting connections.
    ///
    /// - Parameter servingState: flipped to not serving when shutdown starts,
    ///   so Health/Check reports it.
    public static func start(
        configuration: ServerConfiguration,
        methods: MethodTable,
        servingState: ServingState? = nil,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RPCServer {
        let tlsContext = try configuration.tls?.makeContext()
        let core = ServerCore(configuration: configuration, methods: methods)
        let connections = ConnectionRegistry(
            maxConnections: configuration.maxConnections, maxConnectionsPerPeer: configuration.maxConnectionsPerPeer)
        let channel = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // SwiftNIO's default. 16 reads of one connection before its flush
            // held answers back and kept the loop's other connections waiting:
            // open-loop p99 at half the maximum was ~2.0 ms with 16 and ~1.5 ms
            // with 4 (six alternating runs each); closed-loop calls/s the same.
            // It also bounds the bytes read but not yet handled when backpressure
            // holds a connection: 4 reads of up to 64 KiB (docs/protocol.md §4).
            .childChannelOption(.maxMessagesPerRead, value: 4)
            .childChannelOption(.writeBufferWaterMark, value: configuration.writeBufferWaterMark)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tlsContext {
                        try pipeline.addHandler(NIOSSLServerHandler(context: tlsContext))
                        try pipeline.addHandler(TLSHandshakeFailureHandler(logger: logger, metrics: configuration.metrics))
                    }
                    guard connections.admit(channel) else {
                        logger.notice(
                            "refusing connection: too many connections",
                            metadata: ["peer": "\(channel.remoteAddress.map { "\($0)" } ?? "unknown")"])
                        try pipeline.addHandler(RefusedConnectionHandler(
                                tlsHandshakeTimeout: tlsContext == nil ? nil : configuration.handshakeTimeout))
                        return
                    }
                    try pipeline.addHandler(ConnectionSlotHandler(registry: connections))
                    try pipeline.addHandler(
                        ByteToMessageHandler(ServerFrameDecoder(maxFrameSize: configuration.maxFrameSize)))
                    try pipeline.addHandler(ServerConnectionHandler(core: core, logger: logger))
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        var metricsEndpoint: MetricsEndpoint?
        if let metrics = configuration.metrics, let metricsPort = configuration.metricsPort {
            do {
                metricsEndpoint = try await MetricsEndpoint.start(
                    host: configuration.host, port: metricsPort, metrics: metrics,
                    beforeScrape: { metrics.updateGauges(openConnections: connections.count, execution: core.executionStatistics) },
                    eventLoopGroup: eventLoopGroup)
            } catch {
                try? await channel.close()
                throw error
            }
        }
        let server = RPCServer(
            core: core, serverChannel: channel, connections: connections, servingState: servingState,
            logger: logger, metricsEndpoint: metricsEndpoint)
        logger.info("listening on \(server.localAddress.ipAddress ?? configuration.host):\(server.localAddress.port ?? 0)")
        if let address = metricsEndpoint?.localAddress {
            logger.info("metrics on http://\(address.ipAddress ?? configuration.host):\(address.port ?? 0)/metrics")
        }
        return server
    }

    /// The address of the HTTP metrics endpoint (`GET /metrics`), when it is served.
    public var metricsAddress: SocketAddress? { metricsEndpoint?.localAddress }

    /// The counters of the storage, hashing and write lanes, for monitoring and tests.
    public var executionStatistics: ExecutionStatistics { core.executionStatistics }

    /// Runs until graceful shutdown is signalled (ServiceLifecycle), then shuts down.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Stops accepting, drains every connection (GoAway, in-flight calls
    /// complete, new ones refused), waits at most the grace period, then
    /// closes what is left. Safe to call more than once.
    public func shutdown() async {
        let first = shutdownState.withLock { state in
            guard case .running = state else { return false }
            state = .shuttingDown(waiters: [])
            return true
        }
        guard first else {
            await waitUntilStopped()
            return
        }
        logger.info("shutting down: draining connections")
        servingState?.stopServing()
        try? await serverChannel.close()
        let open = connections.open
        for channel in open {
            channel.triggerUserOutboundEvent(DrainConnectionEvent(), promise: nil)
        }
        let grace = core.configuration.shutdownGracePeriod
        let closed = EventLoopFuture.andAllComplete(open.map(\.closeFuture), on: serverChannel.eventLoop)
        let timeout = serverChannel.eventLoop.scheduleTask(in: grace) {
            for channel in open where channel.isActive { channel.close(promise: nil) }
        }
        try? await closed.get()
        timeout.cancel()
        await metricsEndpoint?.close()
        core.beginShutdown()
        logger.info("shut down")
        let waiters = shutdownState.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer { state = .stopped }
            guard case .shuttingDown(let waiters) = state else { return [] }
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// A snapshot of what each open connection holds back (tests, diagnostics).
    func connectionLoads() async -> [ConnectionLoad] {
        var loads: [ConnectionLoad] = []
        for channel in connections.open {
            let load = try? await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.handler(type: ServerConnectionHandler.self).load
            }.get()
            if let load { loads.append(load) }
        }
        return loads
    }

    /// Returns once the shutdown started by another caller is done.
    private func waitUntilStopped() async {
        await withCheckedContinuation { continuation in
            let stopped = shutdownState.withLock { state -> Bool in
                guard case .shuttingDown(var waiters) = state else { return true }
                waiters.append(continuation)
                state = .shuttingDown(waiters: waiters)
                return false
            }
            if stopped { continuation.resume() }
        }
    }
}
