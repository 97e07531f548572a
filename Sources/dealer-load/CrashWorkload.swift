/// What one crash-test writer does over its own connection, one call at a time:
/// `prepare` sets up its accounts before the load, `step` sends its next write.
/// Every write goes through a `CrashCallLog`, which turns its answer into facts.
protocol CrashWorkload: Sendable {
    static func prepare(_ writer: CrashWriterContext, log: inout CrashCallLog) async throws -> Self
    /// Sends write number `sequence` (0, 1, 2, ...) of this writer.
    mutating func step(_ sequence: Int, log: inout CrashCallLog) async throws
}
