import NIOCore

/// `Duration` as NIO's `TimeAmount` (nanoseconds, truncated).
func timeAmount(_ duration: Duration) -> TimeAmount {
    .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
}
