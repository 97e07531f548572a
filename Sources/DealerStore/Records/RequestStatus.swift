/// The state of a service request. It leaves `pending` once and never changes again.
public enum RequestStatus: String, Sendable, Hashable, CaseIterable {
    case pending, accepted, rejected, cancelled, expired
    /// Superseded: another dealer accepted the client, the client was deleted,
    /// or the dealer stopped being a dealer.
    case closed
}
