/// Which registers a list returns; nil fields do not filter.
public struct RegisterFilter: Sendable, Hashable {
    public enum Grouping: Sendable, Hashable {
        case any
        case inGroup(Int64)
        case withoutGroup
    }

    public var grouping: Grouping
    public var organizationID: Int64?
    /// true: only removed; false: only active; nil: both.
    public var removed: Bool?

    public init(grouping: Grouping = .any, organizationID: Int64? = nil, removed: Bool? = nil) {
        self.grouping = grouping
        self.organizationID = organizationID
        self.removed = removed
    }
}
