/// A closed-loop load over `DealerConnection`: every slot makes one call at a
/// time, back to back, for `warmup + duration`. Only calls that start after
/// the warm-up and finish before the end are counted and timed.
struct StorageLoad {
    /// One call of a slot; `iteration` counts that slot's calls from 0.
    typealias Call = @Sendable (_ iteration: Int) async throws -> Void

    struct Result: Sendable {
        var calls: UInt64 = 0
        var seconds = 0.0
        var latency = LatencyHistogram()
        /// This process's CPU time over the measured window (1.0 = one core).
        var clientCPU = 0.0

        var callsPerSecond: Double { Double(calls) / seconds }
        func microseconds(_ quantile: Double) -> Double { Double(latency.quantile(quantile) ?? 0) / 1e3 }
    }

    let slots: [Call]
    let warmup: Duration
    let duration: Duration

    /// Runs the load; the first failed call fails the run.
    func run() async throws -> Result {
        let start = MonotonicClock.nanoseconds()
        let measureStart = start + Self.nanoseconds(warmup)
        let end = measureStart + Self.nanoseconds(duration)
        return try await withThrowingTaskGroup(of: Event.self) { group in
            for call in slots {
                group.addTask {
                    var latency = LatencyHistogram()
                    var iteration = 0
                    while true {
                        let sent = MonotonicClock.nanoseconds()
                        try await call(iteration)
                        let answered = MonotonicClock.nanoseconds()
                        iteration += 1
                        if sent >= measureStart, answered <= end { latency.record(answered - sent) }
                        if answered >= end { return .slot(latency) }
                    }
                }
            }
            group.addTask {
                try await Self.sleep(until: measureStart)
                let cpuStart = ProcessCPU.nanoseconds()
                try await Self.sleep(until: end)
                return .cpu(Double(ProcessCPU.nanoseconds() - cpuStart) / Double(end - measureStart))
            }
            var result = Result(seconds: Double(end - measureStart) / 1e9)
            for try await event in group {
                switch event {
                case .slot(let latency): result.latency.merge(latency)
                case .cpu(let share): result.clientCPU = share
                }
            }
            result.calls = result.latency.total
            return result
        }
    }

    private enum Event: Sendable {
        case slot(LatencyHistogram)
        case cpu(Double)
    }

    private static func nanoseconds(_ duration: Duration) -> UInt64 {
        UInt64(duration.components.seconds) * 1_000_000_000 + UInt64(duration.components.attoseconds / 1_000_000_000)
    }

    private static func sleep(until deadline: UInt64) async throws {
        let now = MonotonicClock.nanoseconds()
        if deadline > now { try await Task.sleep(nanoseconds: deadline - now) }
    }
}
