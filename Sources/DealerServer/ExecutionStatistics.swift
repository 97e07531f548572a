/// The counters of the lanes of a server.
public struct ExecutionStatistics: Sendable, Equatable {
    /// Storage and other blocking work (`HandlerExecution.blocking`).
    public var storage: LaneStatistics
    /// Password hashing (`HandlerExecution.hashing`).
    public var hashing: LaneStatistics
    /// Durable writes (`HandlerExecution.writing`).
    public var writing: LaneStatistics
}
