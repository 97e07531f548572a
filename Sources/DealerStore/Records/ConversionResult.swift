/// What ConvertGroupToClient did, or would do.
public struct ConversionResult: Sendable, Hashable {
    /// The recorded operation; nil for a dry run.
    public var transferID: Int64?
    /// The account and admin created; nil for a dry run.
    public var created: NewAccount?
    /// The new account's group; nil for a dry run.
    public var groupID: Int64?
    public var groupName: String
    /// By source organization id.
    public var organizations: [OrganizationMoveRecord]
    /// By register id.
    public var registers: [MovedRegisterRecord]
    /// By organization id.
    public var sharedOrganizations: [SharedOrganizationRecord]
    public var performedAt: Int64
}
