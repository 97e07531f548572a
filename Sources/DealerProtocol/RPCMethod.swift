/// A method of the contract with its request and response types.
///
/// Generated per service, e.g. `Dealer_V1_DealerService.acceptRequest`.
public struct RPCMethod<Request: ProtoMessage, Response: ProtoMessage>: Sendable, Hashable {
    /// "dealer.v1.DealerService"
    public let service: String
    /// "AcceptRequest"
    public let name: String
    /// "/dealer.v1.DealerService/AcceptRequest", as sent in `rpc.v1.Request.method`.
    public let path: String

    public init(service: String, name: String) {
        self.service = service
        self.name = name
        self.path = "/\(service)/\(name)"
    }
}
