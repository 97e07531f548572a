/// An organization of a converted group that also owns registers outside it.
public struct SharedOrganizationRecord: Sendable, Hashable {
    public var organizationID: Int64
    public var inn: String
    public var name: String
    /// Its active registers in the group.
    public var registersInGroup: Int
    /// Its registers elsewhere: other groups, no group, removed ones.
    public var registersOutsideGroup: Int
}
