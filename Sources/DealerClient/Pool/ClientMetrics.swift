import Metrics
import DealerProtocol
import Synchronization

/// swift-metrics of a `DealerClientPool`: `dealer_client_calls_total`
/// (dimensions `method`, `code`) and `dealer_client_call_duration`
/// (a Timer, dimension `method`). No-op unless the host application
/// bootstraps a metrics backend (`MetricsSystem.bootstrap`).
final class ClientMetrics: Sendable {
    private struct Key: Hashable {
        let method: String
        let code: Int32
    }

    private let counters = Mutex<[Key: Counter]>([:])
    private let timers = Mutex<[String: Timer]>([:])

    func record(method: String, code: StatusCode, duration: Duration) {
        let key = Key(method: method, code: code.rawValue)
        let counter = counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(
                label: "dealer_client_calls_total", dimensions: [("method", method), ("code", code.description)])
            counters[key] = counter
            return counter
        }
        counter.increment()
        let timer = timers.withLock { timers in
            if let timer = timers[method] { return timer }
            let timer = Timer(label: "dealer_client_call_duration", dimensions: [("method", method)])
            timers[method] = timer
            return timer
        }
        timer.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
