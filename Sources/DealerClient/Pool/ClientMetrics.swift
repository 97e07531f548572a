import Metrics
import DealerProtocol
import Synchronization

/// swift-metrics of a `DealerClientPool`: `dealer_client_calls_total`
/// (dimensions `method`, `code`) and `dealer_client_call_duration`
/// (a Timer, dimension `method`). No-op unless the host application
/// bootstraps a metrics backend (`MetricsSystem.bootstrap`).
final class ClientMetrics: Sendable {
    /// One method's metrics: its timer and a counter per status code, made on first use.
    private final class MethodMetrics: Sendable {
        let timer: Timer
        private let method: String
        private let counters = Mutex<[Int32: Counter]>([:])

        init(method: String) {
            self.method = method
            self.timer = Timer(label: "dealer_client_call_duration", dimensions: [("method", method)])
        }

        func counter(for code: StatusCode) -> Counter {
            counters.withLock { counters in
                if let counter = counters[code.rawValue] { return counter }
                let counter = Counter(
                    label: "dealer_client_calls_total", dimensions: [("method", method), ("code", code.description)])
                counters[code.rawValue] = counter
                return counter
            }
        }
    }

    private let methods = Mutex<[String: MethodMetrics]>([:])

    func record(method: String, code: StatusCode, duration: Duration) {
        let metrics = methods.withLock { methods in
            if let metrics = methods[method] { return metrics }
            let metrics = MethodMetrics(method: method)
            methods[method] = metrics
            return metrics
        }
        metrics.counter(for: code).increment()
        metrics.timer.recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
