/// Where a register is: its account, group (nil = none) and owning organization.
public struct RegisterPosition: Sendable, Hashable {
    public var accountID: Int64
    public var groupID: Int64?
    public var organizationID: Int64

    public init(accountID: Int64, groupID: Int64?, organizationID: Int64) {
        self.accountID = accountID
        self.groupID = groupID
        self.organizationID = organizationID
    }
}
