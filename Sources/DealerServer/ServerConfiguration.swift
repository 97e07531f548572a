import NIOCore

/// Tunables of the RPC server. Defaults suit production; tests shorten the timeouts.
public struct ServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 picks a free port (tests).
    public var port: Int = 7420
    /// The largest frame body accepted (the N of the length prefix).
    public var maxFrameSize: Int = 4 * 1024 * 1024
    /// Calls run at once per connection; above it the server stops reading
    /// that socket until some complete.
    public var maxInFlightCalls: Int = 64
    /// A connection with no frames and no calls for this long is closed.
    public var idleTimeout: TimeAmount = .seconds(300)
    /// A connection that has not sent its Hello by then is closed.
    public var handshakeTimeout: TimeAmount = .seconds(5)
    /// How long graceful shutdown waits for in-flight calls before closing anyway.
    public var shutdownGracePeriod: TimeAmount = .seconds(10)
    /// Threads of the storage lane: reads and other blocking handlers (writes
    /// have the write lane, `writeThreads`; password hashing its own). Four
    /// measured best on 2 cores: reads do not queue on the store's 4 reader
    /// connections (docs/benchmarks.md).
    public var blockingThreads: Int = 4
    /// The name sent in HelloAck.
    public var serverName: String = "dealerd"
    /// A frame whose first byte has arrived must arrive completely within
    /// this time (while the server reads the connection), else the
    /// connection is closed (slowloris).
    public var frameReceiveTimeout: TimeAmount = .seconds(10)
    /// Connections open at once; the next one gets GoAway and is closed.
    public var maxConnections: Int = 10_000
    /// Connections open at once from one peer IP address.
    public var maxConnectionsPerPeer: Int = 1_000
    /// Bytes of responses queued for a connection above which the server
    /// stops reading it until the queue is below the low mark again.
    public var writeBufferWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 64 * 1024, high: 256 * 1024)
    /// Calls that may wait for a storage worker, server-wide, beyond the
    /// `blockingThreads` running; more are answered RESOURCE_EXHAUSTED `BUSY`.
    public var maxStorageQueue: Int = 1024
    /// Calls one connection may have in the storage lane at once (waiting or
    /// running); more are answered `BUSY`. Each also holds an in-flight slot,
    /// so a value at or above `maxInFlightCalls` (the default) never triggers.
    public var maxStorageQueuePerConnection: Int = 64
    /// Calls that may wait for a password-hashing worker, server-wide, beyond
    /// the ones running (the services' `maxConcurrentHashes`); more are `BUSY`.
    public var maxHashingQueue: Int = 32
    /// Calls one connection may have in the hashing lane at once (waiting or
    /// running); more are answered `BUSY`.
    public var maxHashingQueuePerConnection: Int = 8
    /// Threads of the write lane (`HandlerExecution.writing`) when the
    /// method table has no `writeBatchRunner`. With one (every server with a
    /// store), the lane runs on one thread, in batches of up to 64 calls per
    /// transaction, and this has no effect.
    public var writeThreads: Int = 64
    /// Calls that may wait for the write lane, server-wide, beyond the ones
    /// running (`writeThreads`, or a batch of 64); more are answered `BUSY`.
    public var maxWriteQueue: Int = 1024
    /// Calls one connection may have in the write lane at once (waiting or
    /// running); more are answered `BUSY`. At or above `maxInFlightCalls`
    /// (the default) it never triggers.
    public var maxWriteQueuePerConnection: Int = 64
    /// Prometheus metrics of the server (calls, latency, connections, lanes);
    /// nil (the default) records none.
    public var metrics: ServerMetrics? = nil
    /// Port of the HTTP metrics endpoint (`GET /metrics` on `host`, needs
    /// `metrics`); nil (the default) serves none, 0 picks a free one.
    public var metricsPort: Int? = nil
    /// TLS on every connection; nil (the default) serves plain TCP.
    public var tls: ServerTLSConfiguration?

    public init() {}
}
