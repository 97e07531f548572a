/// The dealer serving an account and since when.
public struct ServiceStatus: Sendable, Hashable {
    public var dealerAccountID: Int64
    public var dealerName: String
    public var since: Int64
}
