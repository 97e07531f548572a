import DealerProtocol

/// The domain errors the store throws, in one place.
extension RPCError {
    static let userNotFound = RPCError(.notFound, .userNotFound, "no such user in this account")
    static let clientNotFound = RPCError(.notFound, .clientNotFound, "no such client of this dealer")
    static let requestNotFound = RPCError(.notFound, .requestNotFound, "no such request")
    static let dealerNotFound = RPCError(.notFound, .dealerNotFound, "no such dealer")
    static let loginTaken = RPCError(.alreadyExists, .loginTaken, "this login is already taken")
    static let duplicateRequest = RPCError(.alreadyExists, .duplicateRequest, "a request to this dealer is already pending")
    static let requestsBlocked = RPCError(.permissionDenied, .requestsBlocked, "this dealer has blocked requests from this account")
    static let requestNotPending = RPCError(.failedPrecondition, .requestNotPending, "the request is no longer pending")
    static let servedByDealer = RPCError(.failedPrecondition, .accountServedByDealer, "the account is served by a dealer")
    static let dealerCannotBeServed = RPCError(.failedPrecondition, .dealerCannotBeServed, "a dealer account cannot be served")
    static let dealerServesClients = RPCError(.failedPrecondition, .dealerServesClients, "the account still serves clients")
    static let lastAdmin = RPCError(.failedPrecondition, .lastAdmin, "the last administrator of an account cannot be removed")
    static let notServed = RPCError(.failedPrecondition, .notServed, "the account is not served by a dealer")
    static let accountDeleted = RPCError(.failedPrecondition, .accountDeleted, "the account has been deleted")
    static let dealerModeRequired = RPCError(.permissionDenied, .dealerModeRequired, "the account or user no longer works as a dealer")
    static let invalidTokenHash = RPCError(.invalidArgument, .invalidArgument, "a token hash is 32 bytes (SHA-256)")

    /// The domain error behind a schema backstop (trigger, unique index), or nil
    /// when the violation is not a domain rule (a bug: it stays a `SQLiteError`).
    init?(constraint error: SQLiteError) {
        let known: [RPCError] = [
            .servedByDealer, .dealerServesClients, .lastAdmin, .requestNotPending, .dealerNotFound,
        ]
        if let match = known.first(where: { $0.reason.rawValue == error.message }) {
            self = match
        } else if error.message.hasSuffix("users.login") {
            self = .loginTaken
        } else if error.message.hasSuffix("service_requests.client_account_id, service_requests.dealer_account_id") {
            self = .duplicateRequest
        } else if error.message.hasSuffix("service_periods.client_account_id") {
            self = .servedByDealer
        } else {
            return nil
        }
    }
}
