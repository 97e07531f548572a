import DealerProtocol
import DealerServices
import DealerStore
import Logging
import ServiceLifecycle

/// Opens the store, wires the services into a server and runs it until
/// SIGTERM or SIGINT, then shuts down gracefully.
public enum DaemonRunner {
    public static func run(_ options: DaemonOptions) async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = options.logLevel
            return handler
        }
        let logger = Logger(label: "dealerd")
        // Unusable TLS files stop the daemon before it touches the database.
        _ = try options.server.tls?.makeContext()
        let store = try DealerStore(configuration: options.store, logger: Logger(label: "dealerd.store"))
        if let metrics = options.server.metrics {
            store.observeCommits { writes, nanoseconds in metrics.recordCommit(writes: writes, nanoseconds: nanoseconds) }
        }
        let environment = ServiceEnvironment(store: store, configuration: options.services)
        if let metrics = options.server.metrics {
            let cache = environment.sessionCache
            metrics.reportSessionCacheHitRatio {
                let statistics = cache.statistics
                let lookups = statistics.hits + statistics.misses
                return lookups == 0 ? nil : Double(statistics.hits) / Double(lookups)
            }
        }
        let servingState = ServingState()
        let methods = ServiceAssembly.methodTable(servingState: servingState, environment: environment)
        let server = try await RPCServer.start(
            configuration: options.server, methods: methods, servingState: servingState, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: server)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}
