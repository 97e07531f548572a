/// A snapshot of one execution lane's counters (see `RPCServer.executionStatistics`).
public struct LaneStatistics: Sendable, Equatable {
    /// Calls waiting for a worker of the lane now.
    public var waiting: Int
    /// The most calls that waited at once since the server started.
    public var peakWaiting: Int
    /// Calls whose handler runs on a worker now.
    public var running: Int
    /// Calls answered RESOURCE_EXHAUSTED `BUSY` because the lane was full server-wide.
    public var rejected: Int
    /// Queued calls dropped before a worker started them: cancelled, past their
    /// deadline, or their connection closed.
    public var droppedBeforeStart: Int
    /// Calls whose handler ran to its end.
    public var completed: Int
}
