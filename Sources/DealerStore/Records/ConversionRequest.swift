/// A ConvertGroupToClient call, validated.
public struct ConversionRequest: Sendable, Hashable {
    public var dealerAccountID: Int64
    public var groupID: Int64
    public var accountName: String
    public var adminLogin: String
    public var copySharedOrganizations: Bool
    /// Lowercased UUID.
    public var operationID: String
    /// SHA-256 identifying the arguments (the password aside).
    public var fingerprint: [UInt8]

    public init(
        dealerAccountID: Int64, groupID: Int64, accountName: String, adminLogin: String, copySharedOrganizations: Bool,
        operationID: String, fingerprint: [UInt8]
    ) {
        self.dealerAccountID = dealerAccountID
        self.groupID = groupID
        self.accountName = accountName
        self.adminLogin = adminLogin
        self.copySharedOrganizations = copySharedOrganizations
        self.operationID = operationID
        self.fingerprint = fingerprint
    }
}
