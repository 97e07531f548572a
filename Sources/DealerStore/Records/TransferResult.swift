/// What TransferRegisters did, or would do.
public struct TransferResult: Sendable, Hashable {
    /// The recorded operation; nil for a dry run.
    public var transferID: Int64?
    public var targetAccountID: Int64
    public var targetGroupID: Int64?
    /// By register id.
    public var registers: [MovedRegisterRecord]
    /// Dry run: every register that cannot move, by register id.
    public var problems: [RegisterProblem]
    public var performedAt: Int64
}
