/// The status code of a call, with gRPC's canonical numbering.
public typealias StatusCode = Rpc_V1_StatusCode

/// A failure with its wire status: a code, a stable machine-readable reason
/// and a human-readable message.
///
/// Domain code throws these; the server maps them to `rpc.v1.Status` in one
/// place. Any other error reaching that place becomes INTERNAL with a generic
/// message (and a log line), so internals never reach a peer.
public struct RPCError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: StatusCode
    public var reason: Reason
    public var message: String

    public init(_ code: StatusCode, _ reason: Reason, _ message: String) {
        self.code = code
        self.reason = reason
        self.message = message
    }

    /// Rebuilds an error from a status received on the wire.
    public init(status: Rpc_V1_Status) {
        self.init(status.code, Reason(status.reason), status.message)
    }

    /// The wire form.
    public var status: Rpc_V1_Status {
        Rpc_V1_Status(code: code, message: message, reason: reason.rawValue)
    }

    public var description: String { "\(code) \(reason): \(message)" }
}

extension RPCError {
    /// A stable, machine-readable UPPER_SNAKE_CASE reason. Every reason the
    /// service sends is declared here and listed in docs/protocol.md.
    public struct Reason: RawRepresentable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public var description: String { rawValue }

        // MARK: Protocol
        public static let malformedFrame: Reason = "MALFORMED_FRAME"
        public static let frameTooLarge: Reason = "FRAME_TOO_LARGE"
        public static let helloRequired: Reason = "HELLO_REQUIRED"
        public static let unsupportedVersion: Reason = "UNSUPPORTED_VERSION"
        public static let duplicateCallID: Reason = "DUPLICATE_CALL_ID"
        public static let unknownMethod: Reason = "UNKNOWN_METHOD"
        public static let notImplemented: Reason = "NOT_IMPLEMENTED"
        public static let badPayload: Reason = "BAD_PAYLOAD"
        public static let deadlineExceeded: Reason = "DEADLINE_EXCEEDED"
        public static let cancelled: Reason = "CANCELLED"
        public static let shuttingDown: Reason = "SHUTTING_DOWN"
        public static let idleTimeout: Reason = "IDLE_TIMEOUT"
        public static let handshakeTimeout: Reason = "HANDSHAKE_TIMEOUT"
        public static let connectionClosed: Reason = "CONNECTION_CLOSED"
        public static let internalError: Reason = "INTERNAL_ERROR"
        public static let invalidArgument: Reason = "INVALID_ARGUMENT"
        public static let invalidPageToken: Reason = "INVALID_PAGE_TOKEN"
        public static let receiveTimeout: Reason = "RECEIVE_TIMEOUT"
        public static let tooManyConnections: Reason = "TOO_MANY_CONNECTIONS"
        public static let busy: Reason = "BUSY"
        public static let invalidString: Reason = "INVALID_STRING"
        /// Client-local: the request frame exceeds the server's announced max_frame_size.
        public static let requestTooLarge: Reason = "REQUEST_TOO_LARGE"
        /// Client-local: the TLS handshake failed (untrusted server certificate,
        /// client certificate refused, or the port does not speak TLS).
        public static let tlsHandshakeFailed: Reason = "TLS_HANDSHAKE_FAILED"

        // MARK: Auth
        public static let tokenRequired: Reason = "TOKEN_REQUIRED"
        public static let sessionInvalid: Reason = "SESSION_INVALID"
        public static let invalidCredentials: Reason = "INVALID_CREDENTIALS"
        public static let passwordHashingBusy: Reason = "PASSWORD_HASHING_BUSY"
        public static let loginThrottled: Reason = "LOGIN_THROTTLED"
        public static let loginTaken: Reason = "LOGIN_TAKEN"
        public static let invalidLogin: Reason = "INVALID_LOGIN"
        public static let invalidPassword: Reason = "INVALID_PASSWORD"
        public static let invalidAccountName: Reason = "INVALID_ACCOUNT_NAME"
        public static let invalidRight: Reason = "INVALID_RIGHT"
        public static let adminRequired: Reason = "ADMIN_REQUIRED"
        public static let lastAdmin: Reason = "LAST_ADMIN"
        public static let userNotFound: Reason = "USER_NOT_FOUND"
        public static let accountDeleted: Reason = "ACCOUNT_DELETED"
        public static let accountServedByDealer: Reason = "ACCOUNT_SERVED_BY_DEALER"
        public static let dealerServesClients: Reason = "DEALER_SERVES_CLIENTS"

        // MARK: Dealer and Client
        public static let dealerModeRequired: Reason = "DEALER_MODE_REQUIRED"
        public static let notAllowedWhileImpersonating: Reason = "NOT_ALLOWED_WHILE_IMPERSONATING"
        public static let requestNotFound: Reason = "REQUEST_NOT_FOUND"
        public static let requestNotPending: Reason = "REQUEST_NOT_PENDING"
        public static let requestsBlocked: Reason = "REQUESTS_BLOCKED"
        public static let duplicateRequest: Reason = "DUPLICATE_REQUEST"
        public static let dealerNotFound: Reason = "DEALER_NOT_FOUND"
        public static let dealerCannotBeServed: Reason = "DEALER_CANNOT_BE_SERVED"
        public static let clientNotFound: Reason = "CLIENT_NOT_FOUND"
        public static let notServed: Reason = "NOT_SERVED"

        // MARK: Registers and transfers
        public static let invalidInn: Reason = "INVALID_INN"
        public static let invalidKpp: Reason = "INVALID_KPP"
        public static let invalidName: Reason = "INVALID_NAME"
        public static let invalidModel: Reason = "INVALID_MODEL"
        public static let invalidSerialNumber: Reason = "INVALID_SERIAL_NUMBER"
        public static let invalidRegistrationNumber: Reason = "INVALID_REGISTRATION_NUMBER"
        public static let invalidFiscalDriveNumber: Reason = "INVALID_FISCAL_DRIVE_NUMBER"
        public static let invalidAddress: Reason = "INVALID_ADDRESS"
        public static let invalidOperationID: Reason = "INVALID_OPERATION_ID"
        public static let tooManyRegisters: Reason = "TOO_MANY_REGISTERS"
        public static let innInUse: Reason = "INN_IN_USE"
        public static let groupNameTaken: Reason = "GROUP_NAME_TAKEN"
        public static let serialInUse: Reason = "SERIAL_IN_USE"
        public static let registrationNumberInUse: Reason = "REGISTRATION_NUMBER_IN_USE"
        public static let organizationNotFound: Reason = "ORGANIZATION_NOT_FOUND"
        public static let groupNotFound: Reason = "GROUP_NOT_FOUND"
        public static let registerNotFound: Reason = "REGISTER_NOT_FOUND"
        public static let organizationHasRegisters: Reason = "ORGANIZATION_HAS_REGISTERS"
        public static let groupNotEmpty: Reason = "GROUP_NOT_EMPTY"
        public static let registerRemoved: Reason = "REGISTER_REMOVED"
        public static let registerAlreadyInTarget: Reason = "REGISTER_ALREADY_IN_TARGET"
        public static let targetHasNoOrganization: Reason = "TARGET_HAS_NO_ORGANIZATION"
        public static let sharedOrganization: Reason = "SHARED_ORGANIZATION"
        public static let operationIDReused: Reason = "OPERATION_ID_REUSED"
        public static let accountHasRegisters: Reason = "ACCOUNT_HAS_REGISTERS"

        // MARK: Storage
        public static let storageFull: Reason = "STORAGE_FULL"
        public static let storageUnavailable: Reason = "STORAGE_UNAVAILABLE"
    }
}
