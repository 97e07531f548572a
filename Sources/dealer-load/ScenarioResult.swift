import Foundation
import Histogram

/// The figures of one scenario run (`--json` prints them as they are named here).
struct ScenarioResult: Encodable, Sendable {
    var scenario: String
    /// "closed" (`--in-flight` per connection) or "open" (`--rate`).
    var loop: String
    var connections: Int
    var inFlight: Int
    /// Operations started per second in open loop; nil in closed loop.
    var targetRate: Double?
    var mix: String?
    var durationSeconds: Double
    var calls: UInt64
    var callsPerSecond: Double
    /// Whole operations (one call, or a complete write cycle of three) per second.
    var operationsPerSecond: Double
    var p50Microseconds: Double?
    var p90Microseconds: Double?
    var p99Microseconds: Double?
    var p999Microseconds: Double?
    var maxMicroseconds: Double?
    /// Failed calls by status code.
    var errors: [String: UInt64]
    /// Cores of this client's CPU used during the window.
    var clientCores: Double
    /// Cores of the server's CPU during the window, when its pid is known.
    var serverCores: Double?
    var serverMicrosecondsPerCall: Double?
    var serverRSSMebibytes: Double?
    /// calls/s divided by the baseline's (the raw frame echo, same shape, same invocation).
    var callsRatioToBaseline: Double?
    /// p99 divided by the baseline's.
    var p99RatioToBaseline: Double?

    init(
        scenario: String, loop: String, connections: Int, inFlight: Int, targetRate: Double?, mix: String?,
        snapshots: [ScenarioConnectionHandler.Snapshot], clientCores: Double,
        server: (ServerProcessSample, ServerProcessSample)?
    ) {
        var latency = ScenarioConnectionHandler.makeHistogram()
        var calls: UInt64 = 0
        var operations: UInt64 = 0
        var errors: [String: UInt64] = [:]
        var seconds = 0.0
        for snapshot in snapshots {
            latency.add(snapshot.latency)
            calls += snapshot.calls
            operations += snapshot.operations
            for (code, count) in snapshot.errorsByCode { errors[code, default: 0] += count }
            seconds = max(seconds, Double(snapshot.nanoseconds) / 1e9)
        }
        self.scenario = scenario
        self.loop = loop
        self.connections = connections
        self.inFlight = inFlight
        self.targetRate = targetRate
        self.mix = mix
        self.durationSeconds = (seconds * 1000).rounded() / 1000
        self.calls = calls
        self.callsPerSecond = seconds > 0 ? (Double(calls) / seconds).rounded() : 0
        self.operationsPerSecond = seconds > 0 ? (Double(operations) / seconds).rounded() : 0
        func us(_ percentile: Double) -> Double? {
            latency.totalCount == 0 ? nil : (Double(latency.valueAtPercentile(percentile)) / 100).rounded() / 10
        }
        p50Microseconds = us(50)
        p90Microseconds = us(90)
        p99Microseconds = us(99)
        p999Microseconds = us(99.9)
        maxMicroseconds = latency.totalCount == 0 ? nil : (Double(latency.max) / 100).rounded() / 10
        self.errors = errors
        self.clientCores = (clientCores * 100).rounded() / 100
        if let server, seconds > 0 {
            let (start, end) = server
            let cpu = Double(end.cpuNanoseconds &- start.cpuNanoseconds)
            serverCores = (cpu / 1e9 / seconds * 100).rounded() / 100
            serverMicrosecondsPerCall = calls > 0 ? (cpu / 1e3 / Double(calls) * 10).rounded() / 10 : nil
            serverRSSMebibytes = (Double(end.residentBytes) / 1_048_576 * 10).rounded() / 10
        }
    }

    mutating func compare(to baseline: ScenarioResult) {
        if baseline.callsPerSecond > 0 { callsRatioToBaseline = (callsPerSecond / baseline.callsPerSecond * 1000).rounded() / 1000 }
        if let p99 = p99Microseconds, let base = baseline.p99Microseconds, base > 0 {
            p99RatioToBaseline = (p99 / base * 100).rounded() / 100
        }
    }

    /// One line for people.
    var summary: String {
        func value(_ number: Double?) -> String { number.map { String(format: "%.0f", $0) } ?? "-" }
        var line =
            "scenario=\(scenario) loop=\(loop) connections=\(connections) in-flight=\(inFlight)"
            + (targetRate.map { " rate=\(Int($0))" } ?? "")
            + " calls/s=\(Int(callsPerSecond)) ops/s=\(Int(operationsPerSecond))"
            + " p50=\(value(p50Microseconds))us p90=\(value(p90Microseconds))us p99=\(value(p99Microseconds))us"
            + " p99.9=\(value(p999Microseconds))us max=\(value(maxMicroseconds))us"
            + " errors=\(errors.isEmpty ? "0" : errors.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ","))"
            + " client-cores=\(String(format: "%.2f", clientCores))"
        if let serverCores { line += " server-cores=\(String(format: "%.2f", serverCores))" }
        if let serverMicrosecondsPerCall { line += " server-us/call=\(String(format: "%.1f", serverMicrosecondsPerCall))" }
        if let serverRSSMebibytes { line += " server-rss=\(String(format: "%.1f", serverRSSMebibytes))MiB" }
        if let callsRatioToBaseline { line += " vs-baseline=\(String(format: "%.3f", callsRatioToBaseline))" }
        if let p99RatioToBaseline { line += " p99-vs-baseline=\(String(format: "%.2f", p99RatioToBaseline))" }
        return line
    }
}
