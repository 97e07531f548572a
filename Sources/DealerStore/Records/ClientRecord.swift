/// An account served by a dealer.
public struct ClientRecord: Sendable, Hashable {
    public var accountID: Int64
    public var name: String
    public var servedSince: Int64
}
