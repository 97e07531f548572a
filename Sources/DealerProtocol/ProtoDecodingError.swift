/// Bytes that are not a valid encoding of the expected message.
public struct ProtoDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong with the bytes.
    public struct Kind: Hashable, Sendable {
        private let name: String
        /// protobuf-c rejected the bytes (truncated, bad tag, bad wire type, …).
        public static let malformed = Kind(name: "malformed")
        /// A string field is not valid UTF-8.
        public static let invalidUTF8 = Kind(name: "invalidUTF8")
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
