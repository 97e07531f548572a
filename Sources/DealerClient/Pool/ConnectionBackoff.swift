/// Exponential backoff with jitter between reconnect attempts of a
/// `DealerClientPool` slot (grpc-swift-2's connection backoff): the first
/// retry waits `initial`, each later one `multiplier` times longer up to
/// `max`, each spread by ±`jitter` (a fraction).
public struct ConnectionBackoff: Sendable, Hashable {
    public var initial: Duration
    public var max: Duration
    public var multiplier: Double
    public var jitter: Double

    public init(initial: Duration = .milliseconds(100), max: Duration = .seconds(5), multiplier: Double = 1.6, jitter: Double = 0.2) {
        self.initial = initial
        self.max = max
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// The successive pauses; never ends.
    struct Iterator {
        private var current: Double
        private var isFirst = true
        private let backoff: ConnectionBackoff

        init(_ backoff: ConnectionBackoff) {
            self.backoff = backoff
            current = Self.seconds(backoff.initial)
        }

        mutating func next() -> Duration {
            if isFirst {
                isFirst = false
                return .nanoseconds(Int64(current * 1e9))
            }
            current = Swift.min(current * backoff.multiplier, Self.seconds(backoff.max))
            let spread = current * backoff.jitter
            let jittered = Swift.max(0, current + Double.random(in: -spread...spread))
            return .nanoseconds(Int64(jittered * 1e9))
        }

        private static func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
    }
}
