import ArgumentParser
import DealerServer
import DealerServices
import DealerStore
import Logging
import Metrics
import Prometheus

/// `dealerd`: the dealer mechanism server.
@main
struct DealerDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dealerd",
        abstract: "Serves the Auth, Dealer, Client and Health services over the framed protobuf protocol.")

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one; the log says which).")
    var port = 7420

    @Option(help: "SQLite database file (created with its directory if missing).")
    var db = "./data/dealer.sqlite"

    @Option(help: "SQLite synchronous mode: full (every acknowledged write survives power loss) or normal.")
    var sync = "full"

    @Option(help: "Largest accepted frame body in bytes.")
    var maxFrameSize = 4 * 1024 * 1024

    @Option(help: "Calls run at once per connection before the server stops reading it.")
    var maxInFlight = 64

    @Option(help: "Threads of the storage lane (storage and other blocking work).")
    var blockingThreads = 4

    @Option(help: "Threads of the password-hashing lane: hashes computed at once (64 MiB each at interactive cost).")
    var hashingThreads = 2

    @Option(help: "Calls that may wait for a storage thread, server-wide; more are answered RESOURCE_EXHAUSTED BUSY.")
    var maxStorageQueue = 1024

    @Option(help: "Calls one connection may have in the storage lane at once (waiting or running); more are BUSY.")
    var maxStorageQueuePerConnection = 64

    @Option(help: "Calls that may wait for a hashing thread, server-wide; more are answered RESOURCE_EXHAUSTED BUSY.")
    var maxHashingQueue = 32

    @Option(help: "Calls one connection may have in the hashing lane at once (waiting or running); more are BUSY.")
    var maxHashingQueuePerConnection = 8

    @Option(help: "Accepted for compatibility; no effect: the write lane runs on one thread, up to 64 calls per transaction.")
    var writeThreads = 64

    @Option(help: "Calls that may wait for a write thread, server-wide; more are answered RESOURCE_EXHAUSTED BUSY.")
    var maxWriteQueue = 1024

    @Option(help: "Calls one connection may have in the write lane at once (waiting or running); more are BUSY.")
    var maxWriteQueuePerConnection = 64

    @Option(help: "Seconds a connection may stay idle before it is closed.")
    var idleTimeout = 300

    @Option(help: "Seconds graceful shutdown waits for in-flight calls.")
    var shutdownGrace = 10

    @Option(help: "Argon2id cost: interactive (default) or minimal (tests and load runs only).")
    var passwordCost = "interactive"

    @Option(help: "Minutes a session may go unused before it dies.")
    var sessionIdleMinutes = 12 * 60

    @Option(help: "Hours after login a session dies, used or not.")
    var sessionLifetimeHours = 7 * 24

    @Option(help: "Minutes a dealer's LoginToClient session lives.")
    var impersonationMinutes = 60

    @Option(help: "Sessions kept in memory so authenticated calls need no database read (0 = no cache).")
    var sessionCacheSize = 100_000

    @Option(help: "Days after which a pending service request expires.")
    var requestLifetimeDays = 30

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(help: "Connections open at once; more are refused (GoAway TOO_MANY_CONNECTIONS).")
    var maxConnections = 10_000

    @Option(help: "Connections open at once from one peer IP address; more are refused.")
    var maxConnectionsPerPeer = 1_000

    @Option(help: "Seconds a frame may take to arrive once its first byte has (RECEIVE_TIMEOUT).")
    var frameReceiveTimeout = 10

    @Option(help: "Serve Prometheus metrics over HTTP at http://HOST:PORT/metrics (0 picks a free port; off unless given).")
    var metricsPort: Int?

    @Option(help: "PEM certificate chain: serve TLS (1.2+, 1.3 preferred) instead of plain TCP; needs --tls-key.")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(help: "PEM CA certificate(s): require client certificates issued by them (mutual TLS); needs --tls-cert.")
    var tlsClientCa: String?

    func validate() throws {
        guard ["full", "normal"].contains(sync) else { throw ValidationError("--sync is full or normal") }
        guard PasswordHasher.Cost(rawValue: passwordCost) != nil else {
            throw ValidationError("--password-cost is interactive or minimal")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard blockingThreads >= 1, hashingThreads >= 1, writeThreads >= 1 else {
            throw ValidationError("--blocking-threads, --hashing-threads and --write-threads must be at least 1")
        }
        guard maxStorageQueue >= 0, maxHashingQueue >= 0, maxWriteQueue >= 0 else {
            throw ValidationError("--max-storage-queue, --max-hashing-queue and --max-write-queue must not be negative")
        }
        guard maxStorageQueuePerConnection >= 1, maxHashingQueuePerConnection >= 1, maxWriteQueuePerConnection >= 1 else {
            throw ValidationError("the per-connection queue limits must be at least 1")
        }
        guard sessionIdleMinutes > 0, sessionLifetimeHours > 0, impersonationMinutes > 0, requestLifetimeDays > 0 else {
            throw ValidationError("session, impersonation and request lifetimes must be positive")
        }
        guard maxConnections > 0, maxConnectionsPerPeer > 0, frameReceiveTimeout > 0 else {
            throw ValidationError("--max-connections, --max-connections-per-peer and --frame-receive-timeout must be positive")
        }
        if let metricsPort, !(0...65_535).contains(metricsPort) {
            throw ValidationError("--metrics-port must be 0...65535")
        }
        guard (tlsCert == nil) == (tlsKey == nil), tlsClientCa == nil || tlsCert != nil else {
            throw ValidationError("--tls-cert and --tls-key go together, and --tls-client-ca needs them")
        }
    }

    func run() async throws {
        var options = DaemonOptions()
        options.server.host = host
        options.server.port = port
        options.server.maxFrameSize = maxFrameSize
        options.server.maxInFlightCalls = maxInFlight
        options.server.blockingThreads = blockingThreads
        options.server.maxStorageQueue = maxStorageQueue
        options.server.maxStorageQueuePerConnection = maxStorageQueuePerConnection
        options.server.maxHashingQueue = maxHashingQueue
        options.server.maxHashingQueuePerConnection = maxHashingQueuePerConnection
        options.server.writeThreads = writeThreads
        options.server.maxWriteQueue = maxWriteQueue
        options.server.maxWriteQueuePerConnection = maxWriteQueuePerConnection
        options.services.maxConcurrentHashes = hashingThreads
        options.server.idleTimeout = .seconds(Int64(idleTimeout))
        options.server.shutdownGracePeriod = .seconds(Int64(shutdownGrace))
        options.store = DealerStoreConfiguration(path: db, synchronous: sync == "normal" ? .normal : .full)
        options.services.passwordCost = PasswordHasher.Cost(rawValue: passwordCost)!
        options.services.sessionIdleTimeoutMs = Int64(sessionIdleMinutes) * 60_000
        options.services.sessionLifetimeMs = Int64(sessionLifetimeHours) * 3_600_000
        options.services.impersonationLifetimeMs = Int64(impersonationMinutes) * 60_000
        options.services.sessionCacheCapacity = max(0, sessionCacheSize)
        options.services.requestLifetimeMs = Int64(requestLifetimeDays) * 86_400_000
        options.logLevel = Logger.Level(rawValue: logLevel)!
        options.server.maxConnections = maxConnections
        options.server.maxConnectionsPerPeer = maxConnectionsPerPeer
        options.server.frameReceiveTimeout = .seconds(Int64(frameReceiveTimeout))
        if let metricsPort {
            // The one place the metrics backend is bootstrapped: swift-metrics
            // users in the process report into the registry the endpoint serves.
            let metrics = ServerMetrics()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics.registry))
            options.server.metrics = metrics
            options.server.metricsPort = metricsPort
        }
        if let tlsCert, let tlsKey {
            options.server.tls = ServerTLSConfiguration(
                certificateChainFile: tlsCert, privateKeyFile: tlsKey, clientCAFile: tlsClientCa)
        }
        try await DaemonRunner.run(options)
    }
}
