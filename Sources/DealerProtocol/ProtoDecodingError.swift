/// Bytes that are not a valid encoding of the expected message.
public struct ProtoDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong with the bytes.
    public struct Kind: Hashable, Sendable {
        private let name: String
        /// protobuf-c rejected the bytes (truncated, bad tag, bad wire type, …).
        public static let malformed = Kind(name: "malformed")
        /// A string field (at any depth) holds U+0000 or is not valid UTF-8;
        /// `field` names it.
        public static let invalidString = Kind(name: "invalidString")
        /// Unpacking the bytes would take more memory than a message of their
        /// size may (millions of empty repeated messages or unknown fields).
        public static let overAllocationBudget = Kind(name: "overAllocationBudget")
    }

    public let kind: Kind
    public let message: String
    /// The full name of the offending field ("auth.v1.LoginRequest.password"),
    /// when the error is about one field.
    public let field: String?

    public init(_ kind: Kind, _ message: String, field: String? = nil) {
        self.kind = kind
        self.message = message
        self.field = field
    }

    public var description: String { message }
}
