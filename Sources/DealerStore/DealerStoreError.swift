/// Why a database could not be opened. Refusals and storage failures of operations are `StoreError`s instead.
public struct DealerStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
