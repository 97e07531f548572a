/// Why a database could not be opened or used. Domain rule violations are `RPCError`s instead.
public struct DealerStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
