import DealerProtocol
import DealerStore

extension RPCError {
    /// The wire status of a store error: the one place `StoreError`s become
    /// `RPCError`s. Applied to every handler by `MethodHandler`, so services
    /// just `try` store calls. The switch is exhaustive: a new `StoreError`
    /// case does not compile until it has its status here (and its reason in
    /// docs/protocol.md §6).
    public init(_ error: StoreError) {
        switch error {
        case .userNotFound: self.init(.notFound, .userNotFound, "no such user in this account")
        case .clientNotFound: self.init(.notFound, .clientNotFound, "no such client of this dealer")
        case .requestNotFound: self.init(.notFound, .requestNotFound, "no such request")
        case .dealerNotFound: self.init(.notFound, .dealerNotFound, "no such dealer")
        case .loginTaken: self.init(.alreadyExists, .loginTaken, "this login is already taken")
        case .duplicateRequest: self.init(.alreadyExists, .duplicateRequest, "a request to this dealer is already pending")
        case .requestsBlocked:
            self.init(.permissionDenied, .requestsBlocked, "this dealer has blocked requests from this account")
        case .requestNotPending: self.init(.failedPrecondition, .requestNotPending, "the request is no longer pending")
        case .accountServedByDealer:
            self.init(.failedPrecondition, .accountServedByDealer, "the account is served by a dealer")
        case .dealerCannotBeServed:
            self.init(.failedPrecondition, .dealerCannotBeServed, "a dealer account cannot be served")
        case .dealerServesClients: self.init(.failedPrecondition, .dealerServesClients, "the account still serves clients")
        case .lastAdmin:
            self.init(.failedPrecondition, .lastAdmin, "the last administrator of an account cannot be removed")
        case .notServed: self.init(.failedPrecondition, .notServed, "the account is not served by a dealer")
        case .accountDeleted: self.init(.failedPrecondition, .accountDeleted, "the account has been deleted")
        case .dealerModeRequired:
            self.init(.permissionDenied, .dealerModeRequired, "the account or user no longer works as a dealer")
        case .invalidCredentials: self.init(.unauthenticated, .invalidCredentials, "invalid login or password")
        case .loginAccountDeleted: self.init(.unauthenticated, .accountDeleted, "this enterprise account has been deleted")
        case .parentSessionInvalid:
            self.init(.unauthenticated, .sessionInvalid, "the session is unknown, expired or revoked: log in again")
        case .invalidTokenHash: self.init(.invalidArgument, .invalidArgument, "a token hash is 32 bytes (SHA-256)")
        case .invalidCursor: self.init(.invalidArgument, .invalidPageToken, "page_token is not one this server returned")
        case .storageFull:
            self.init(.resourceExhausted, .storageFull, "the database is full: the write was not made; retry later")
        case .storageUnavailable, .storageBusy:
            self.init(.unavailable, .storageUnavailable, "the database cannot be used right now: retry later")
        }
    }
}

extension RPCError {
    /// The `RPCError` a handler's error is answered with: itself, or the
    /// status of a store error (`StoreError`, `RegisterStoreError`); nil for
    /// an unexpected error (answered INTERNAL). The one place store errors
    /// become wire statuses (used by `MethodHandler` and the audit of refused
    /// LoginToClient calls).
    static func answering(_ error: any Error) -> RPCError? {
        switch error {
        case let error as RPCError: error
        case let error as StoreError: RPCError(error)
        case let error as RegisterStoreError: RegisterErrors.rpcError(error)
        default: nil
        }
    }
}
