/// A TransferRegisters call, validated.
public struct TransferRequest: Sendable, Hashable {
    public var dealerAccountID: Int64
    /// Ascending, without duplicates.
    public var registerIDs: [Int64]
    public var targetAccountID: Int64
    public var targetGroupID: Int64?
    /// Lowercased UUID.
    public var operationID: String
    /// SHA-256 identifying the arguments.
    public var fingerprint: [UInt8]

    public init(
        dealerAccountID: Int64, registerIDs: [Int64], targetAccountID: Int64, targetGroupID: Int64?, operationID: String,
        fingerprint: [UInt8]
    ) {
        self.dealerAccountID = dealerAccountID
        self.registerIDs = Array(Set(registerIDs)).sorted()
        self.targetAccountID = targetAccountID
        self.targetGroupID = targetGroupID
        self.operationID = operationID
        self.fingerprint = fingerprint
    }
}
