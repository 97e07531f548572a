import DealerProtocol
import Prometheus
import Synchronization

/// The Prometheus metrics of one server, kept in `registry` (served by
/// `MetricsEndpoint`; names and labels in docs/protocol.md, "Operations").
///
/// Counters and histograms are updated as calls are answered and groups
/// commit; gauges (connections, calls in flight, lanes, session cache) are
/// read when the endpoint is scraped. A server without `ServerMetrics`
/// records nothing.
public final class ServerMetrics: Sendable {
    /// Where the metrics live; `emit(into:)` gives the exposition text.
    public let registry: PrometheusCollectorRegistry

    /// The method label of a call whose method the server does not serve.
    public static let unknownMethodLabel = "unknown"
    /// Upper bounds of the call latency histogram buckets, in seconds.
    public static let callDurationBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
        .microseconds(2_500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2_500),
    ]
    /// Upper bounds of the group-commit batch size histogram buckets, in writes.
    public static let commitBatchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64]
    /// Upper bounds of the group-commit latency histogram buckets, in seconds.
    public static let commitDurationBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2_500),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .seconds(1),
    ]

    /// The counters and histogram of one method, created on its first call.
    private final class MethodMetrics: Sendable {
        let duration: DurationHistogram
        /// By status code; the codes of the protocol (0...16) are created on first use.
        let calls: Mutex<[Int32: Counter]>

        init(duration: DurationHistogram) {
            self.duration = duration
            self.calls = Mutex([:])
        }
    }

    private let methods = Mutex<[String: MethodMetrics]>([:])
    private let received = Atomic<Int>(0)
    private let answered = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)

    private let openConnections: Gauge
    private let callsInFlight: Gauge
    private let laneWaiting: [String: Gauge]
    private let laneRunning: [String: Gauge]
    private let laneRejected: [String: Gauge]
    private let tlsHandshakeFailures: Counter
    private let commitBatchSize: ValueHistogram
    private let commitDuration: DurationHistogram
    /// The session cache's hit-ratio gauge and where to read the ratio. A
    /// struct, not a tuple holding the closure: a closure stored in a
    /// generic container grows a chain of thunks on every `withLock` access.
    private struct SessionCacheGauge: Sendable {
        let gauge: Gauge
        let ratio: @Sendable () -> Double?
    }
    private let sessionCache = Mutex<SessionCacheGauge?>(nil)

    /// Metrics kept in `registry` (a fresh one by default).
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        openConnections = registry.makeGauge(
            descriptor: Self.name("open_connections", help: "Connections open now (admitted, not yet closed)."))
        callsInFlight = registry.makeGauge(
            descriptor: Self.name("calls_in_flight", help: "Calls received and not answered yet."))
        var waiting: [String: Gauge] = [:]
        var running: [String: Gauge] = [:]
        var rejected: [String: Gauge] = [:]
        for lane in ["storage", "hashing", "write"] {
            waiting[lane] = registry.makeGauge(
                descriptor: Self.name("lane_waiting", help: "Calls waiting for a worker of the execution lane."),
                labels: [("lane", lane)])
            running[lane] = registry.makeGauge(
                descriptor: Self.name("lane_running", help: "Calls running on a worker of the execution lane."),
                labels: [("lane", lane)])
            rejected[lane] = registry.makeGauge(
                descriptor: Self.name(
                    "lane_rejected", help: "Calls answered BUSY since the start because the lane was full server-wide."),
                labels: [("lane", lane)])
        }
        laneWaiting = waiting
        laneRunning = running
        laneRejected = rejected
        tlsHandshakeFailures = registry.makeCounter(
            descriptor: Self.name(
                "tls_handshake_failures", unit: "total",
                help: "Connections closed because their TLS handshake failed (a plain-TCP peer, a missing or untrusted client certificate)."))
        commitBatchSize = registry.makeValueHistogram(
            descriptor: Self.name("group_commit_writes", help: "Writes committed together in one group-commit transaction."),
            buckets: Self.commitBatchBuckets)
        commitDuration = registry.makeDurationHistogram(
            descriptor: Self.name(
                "group_commit_duration", unit: "seconds", help: "Time of one group-commit transaction, BEGIN to COMMIT."),
            buckets: Self.commitDurationBuckets)
    }

    private static func name(_ metric: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "dealer", metricName: metric, unitName: unit, helpText: help)
    }

    // MARK: Fed by the store and the session cache

    /// One committed group: `writes` in one transaction that took `nanoseconds`.
    public func recordCommit(writes: Int, nanoseconds: UInt64) {
        commitBatchSize.record(Double(writes))
        commitDuration.recordNanoseconds(Int64(clamping: nanoseconds))
    }

    /// Reports `dealer_session_cache_hit_ratio` from `ratio` (0...1, nil while
    /// there were no lookups) at every scrape.
    public func reportSessionCacheHitRatio(_ ratio: @escaping @Sendable () -> Double?) {
        let gauge = registry.makeGauge(
            descriptor: Self.name("session_cache_hit_ratio", help: "Share of session lookups answered from the cache."))
        sessionCache.withLock { $0 = SessionCacheGauge(gauge: gauge, ratio: ratio) }
    }

    // MARK: Fed by the server

    /// A Request frame arrived.
    func requestReceived() {
        received.add(1, ordering: .relaxed)
    }

    /// A call's Response was written: `code` after `nanoseconds` since its Request arrived.
    func callAnswered(method: String, code: Rpc_V1_StatusCode, nanoseconds: UInt64) {
        answered.add(1, ordering: .relaxed)
        let metrics = methodMetrics(method)
        let counter = metrics.calls.withLock { calls in
            if let counter = calls[code.rawValue] { return counter }
            let counter = registry.makeCounter(
                descriptor: Self.name("calls", unit: "total", help: "Calls answered, by method and status code."),
                labels: [("method", method), ("code", code.description)])
            calls[code.rawValue] = counter
            return counter
        }
        counter.increment()
        metrics.duration.recordNanoseconds(Int64(clamping: nanoseconds))
    }

    /// A connection's TLS handshake failed; the server closes it.
    func tlsHandshakeFailed() {
        tlsHandshakeFailures.increment()
    }

    /// Calls of a closed connection that will never be answered.
    func callsDropped(_ count: Int) {
        guard count > 0 else { return }
        dropped.add(count, ordering: .relaxed)
    }

    private func methodMetrics(_ method: String) -> MethodMetrics {
        methods.withLock { methods in
            if let metrics = methods[method] { return metrics }
            let metrics = MethodMetrics(
                duration: registry.makeDurationHistogram(
                    descriptor: Self.name(
                        "call_duration", unit: "seconds", help: "Time from a call's Request frame to its Response, by method."),
                    labels: [("method", method)], buckets: Self.callDurationBuckets))
            methods[method] = metrics
            return metrics
        }
    }

    /// Sets the gauges from the server's state now (before a scrape).
    func updateGauges(openConnections: Int, execution: ExecutionStatistics) {
        self.openConnections.set(Int64(openConnections))
        let inFlight =
            received.load(ordering: .relaxed) - answered.load(ordering: .relaxed) - dropped.load(ordering: .relaxed)
        callsInFlight.set(Int64(max(inFlight, 0)))
        for (lane, statistics) in [("storage", execution.storage), ("hashing", execution.hashing), ("write", execution.writing)] {
            laneWaiting[lane]?.set(Int64(statistics.waiting))
            laneRunning[lane]?.set(Int64(statistics.running))
            laneRejected[lane]?.set(Int64(statistics.rejected))
        }
        if let cache = sessionCache.withLock({ $0 }) {
            cache.gauge.set(cache.ratio() ?? .nan)
        }
    }
}
