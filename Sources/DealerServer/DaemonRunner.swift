import DealerProtocol
import DealerServices
import Logging
import ServiceLifecycle

/// Wires the services into a server and runs it until SIGTERM or SIGINT,
/// then shuts down gracefully.
public enum DaemonRunner {
    public static func run(_ options: DaemonOptions) async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = options.logLevel
            return handler
        }
        let logger = Logger(label: "dealerd")
        let servingState = ServingState()
        let methods = ServiceAssembly.methodTable(servingState: servingState)
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
