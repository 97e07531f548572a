/// What one open connection holds back and holds in memory: a snapshot for
/// tests and diagnostics (`RPCServer.connectionLoads()`).
struct ConnectionLoad: Sendable {
    /// The server has stopped reading the socket (either backpressure source).
    var readHeld: Bool
    /// The outbound buffer is below the high watermark.
    var outboundWritable: Bool
    var callsInFlight: Int
    var callsWaiting: Int
    /// Whole frames read but not handled yet because the outbound buffer is full.
    var framesPending: Int
    var lastAcceptedCallID: UInt64
    /// The most bytes seen queued in the connection's outbound buffer while it
    /// was above the high watermark (0 if it never was).
    var peakBufferedOutboundBytes: Int
}
