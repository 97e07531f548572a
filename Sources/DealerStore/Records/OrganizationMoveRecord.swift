/// What becomes of an organization of a converted group.
public struct OrganizationMoveRecord: Sendable, Hashable {
    public var sourceOrganizationID: Int64
    public var inn: String
    public var name: String
    /// True: the new account gets a copy (it owns registers outside the group);
    /// false: it moves, keeping its id.
    public var copied: Bool
    /// Its id in the new account; nil in a dry run for a copy.
    public var targetOrganizationID: Int64?
    /// Registers of the group it owns.
    public var registerCount: Int
}
