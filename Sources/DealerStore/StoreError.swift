internal import CSQLite

/// Why a store operation was refused or failed: the store's own domain errors
/// and storage failures. The services turn each into its wire status in one
/// place (`RPCError(_: StoreError)` in DealerServices); the store knows nothing
/// of the wire.
///
/// Adding a case: give it a doc comment saying when it is thrown, then add its
/// status to the mapping in DealerServices (the switch there is exhaustive).
public enum StoreError: Error, Sendable, Hashable {
    // MARK: Domain rules
    /// The user is not an active member of the account acted in.
    case userNotFound
    /// The account is not served by the dealer acting.
    case clientNotFound
    /// No such request visible to the account acting.
    case requestNotFound
    /// No such live account working as a dealer.
    case dealerNotFound
    /// The login exists already (logins are global, case-insensitive).
    case loginTaken
    /// A pending request from this client to this dealer exists already.
    case duplicateRequest
    /// The dealer blocked requests from this client.
    case requestsBlocked
    /// The request left `pending` already.
    case requestNotPending
    /// The account is served by a dealer (so it cannot be a dealer, or be served again).
    case accountServedByDealer
    /// A dealer account cannot be served.
    case dealerCannotBeServed
    /// The account's last dealer right cannot go while it serves clients.
    case dealerServesClients
    /// The account's last administrator cannot be removed.
    case lastAdmin
    /// The account is not served by any dealer.
    case notServed
    /// The account acted on has been deleted.
    case accountDeleted
    /// The account or user no longer works as a dealer.
    case dealerModeRequired
    /// Opening a session: the user is unknown or disabled, or its credentials
    /// changed since the caller verified them.
    case invalidCredentials
    /// Opening a session: the user's account has been deleted.
    case loginAccountDeleted
    /// The dealer session a LoginToClient session would be opened from is no longer live.
    case parentSessionInvalid
    /// A token hash is not 32 bytes (a caller bug).
    case invalidTokenHash
    /// A list cursor that is not one the store returned for this list (an audit
    /// trail's cursor must be an event of that trail).
    case invalidCursor

    // MARK: Storage
    /// The database or its disk is full (SQLITE_FULL).
    case storageFull(String)
    /// The database cannot be written or read: I/O error, read-only file,
    /// cannot open (SQLITE_IOERR, SQLITE_READONLY, SQLITE_CANTOPEN).
    case storageUnavailable(String)
    /// Another process held the database lock past the busy timeout (SQLITE_BUSY, SQLITE_LOCKED).
    case storageBusy(String)

    /// True for the storage failures (not a domain rule): the database itself cannot serve.
    public var isStorageFailure: Bool {
        switch self {
        case .storageFull, .storageUnavailable, .storageBusy: true
        default: false
        }
    }
}

extension StoreError {
    /// The domain or storage error behind a SQLite failure, or nil when it is
    /// neither (a bug: it stays a `SQLiteError`, answered INTERNAL).
    ///
    /// Constraint failures are told apart by their extended result code and
    /// the constraint that failed: a trigger's `RAISE(ABORT, ...)` text (the
    /// schema raises a `StoreError.triggerMessages` key), or the columns of a
    /// UNIQUE index. Never by free-form message text.
    init?(_ error: SQLiteError) {
        switch error.code {
        case SQLiteError.constraintTrigger:
            guard let match = Self.triggerMessages[error.message] else { return nil }
            self = match
        case SQLiteError.constraintUnique:
            guard let columns = error.uniqueConstraintColumns, let match = Self.uniqueColumns[columns] else { return nil }
            self = match
        default:
            switch error.code & 0xFF {
            case SQLITE_FULL: self = .storageFull(error.message)
            case SQLITE_IOERR, SQLITE_READONLY, SQLITE_CANTOPEN: self = .storageUnavailable(error.message)
            case SQLITE_BUSY, SQLITE_LOCKED: self = .storageBusy(error.message)
            default: return nil
            }
        }
    }

    /// The `RAISE(ABORT, message)` messages of the schema's triggers that are domain rules.
    static let triggerMessages: [String: StoreError] = [
        "ACCOUNT_SERVED_BY_DEALER": .accountServedByDealer,
        "DEALER_SERVES_CLIENTS": .dealerServesClients,
        "LAST_ADMIN": .lastAdmin,
        "REQUEST_NOT_PENDING": .requestNotPending,
        "DEALER_NOT_FOUND": .dealerNotFound,
    ]

    /// The UNIQUE indexes that are domain rules, by their columns.
    static let uniqueColumns: [String: StoreError] = [
        "users.login": .loginTaken,
        "service_requests.client_account_id, service_requests.dealer_account_id": .duplicateRequest,
        "service_periods.client_account_id": .accountServedByDealer,
    ]
}
