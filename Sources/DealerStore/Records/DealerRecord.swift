/// An account that works as a dealer, as clients find it.
public struct DealerRecord: Sendable, Hashable {
    public var accountID: Int64
    public var name: String
}
