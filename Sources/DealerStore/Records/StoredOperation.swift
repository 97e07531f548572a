/// A recorded TransferRegisters or ConvertGroupToClient operation, as its retries need it.
public struct StoredOperation: Sendable, Hashable {
    public var transferID: Int64
    public var kind: TransferKind
    /// What identifies the request's arguments (computed by the caller).
    public var fingerprint: [UInt8]
    /// ConvertGroupToClient: the hash of the admin password of the first call.
    public var passwordHash: String?
    /// The encoded response of the first call.
    public var response: [UInt8]
}

/// The kinds of recorded operations.
public enum TransferKind: String, Sendable, Hashable, CaseIterable {
    case transferRegisters = "transfer_registers"
    case convertGroup = "convert_group"
}

/// The outcome of an operation carrying an operation id.
public enum OperationOutcome<Result: Sendable>: Sendable {
    /// Done now (or, for a dry run, checked now).
    case performed(Result)
    /// The operation id was used before in this dealer account: the caller decides
    /// whether this is a retry (same arguments) or a reuse.
    case recorded(StoredOperation)
}
