/// A past TransferRegisters or ConvertGroupToClient operation, for ListTransfers.
public struct TransferRecord: Sendable, Hashable {
    public var id: Int64
    public var operationID: String
    public var kind: TransferKind
    public var at: Int64
    public var userID: Int64
    public var userLogin: String
    /// Ascending.
    public var sourceAccountIDs: [Int64]
    public var targetAccountID: Int64
    public var targetGroupID: Int64?
    public var sourceGroupID: Int64?
    /// Ascending.
    public var registerIDs: [Int64]
    public var organizationsMoved: Int
    public var organizationsCopied: Int
}
