import DealerProtocol
import DealerServices
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The framed-protobuf TCP server: binds, serves `MethodTable`, and shuts
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
    private let shutdownOnce = Mutex(false)
    private let stopped: EventLoopPromise<Void>

    private init(
        core: ServerCore, serverChannel: any Channel, connections: ConnectionRegistry, servingState: ServingState?,
        logger: Logger, stopped: EventLoopPromise<Void>
    ) {
        self.core = core
        self.connections = connections
        self.serverChannel = serverChannel
        self.localAddress = serverChannel.localAddress!
        self.servingState = servingState
        self.logger = logger
        self.stopped = stopped
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
        let core = ServerCore(configuration: configuration, methods: methods)
        let connections = ConnectionRegistry()
        let channel = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(FrameDecoder(maxFrameSize: configuration.maxFrameSize)))
                    try channel.pipeline.syncOperations.addHandler(ServerConnectionHandler(core: core, logger: logger))
                    connections.register(channel)
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        let server = RPCServer(
            core: core, serverChannel: channel, connections: connections, servingState: servingState,
            logger: logger, stopped: channel.eventLoop.makePromise())
        logger.info("listening on \(server.localAddress.ipAddress ?? configuration.host):\(server.localAddress.port ?? 0)")
        return server
    }

    /// The counters of the storage and hashing lanes, for monitoring and tests.
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
        let first = shutdownOnce.withLock { started in
            defer { started = true }
            return !started
        }
        guard first else {
            try? await stopped.futureResult.get()
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
        core.beginShutdown()
        logger.info("shut down")
        stopped.succeed()
    }
}
