import DealerProtocol
import DealerStore

/// Retries of operations that carry an `operation_id`: the first call records a
/// fingerprint of its arguments and its encoded response; a repeat with the same
/// arguments gets that response back, anything else is OPERATION_ID_REUSED.
enum OperationReplay {
    /// SHA-256 of the method's name and the canonical request (ids sorted, the
    /// operation id lowercased, `dry_run` false, secrets blanked).
    static func fingerprint<Request: ProtoMessage>(_ canonical: Request) -> [UInt8] {
        Sodium.sha256(Array(Request.protoMessageName.utf8) + [0] + canonical.serializedBytes())
    }

    /// The recorded response, when `stored` is the same operation with the same
    /// arguments (and, for a conversion, the same admin password). Blocking when a
    /// password is verified.
    static func replay<Response: ProtoMessage>(
        _ stored: StoredOperation, kind: TransferKind, fingerprint: [UInt8], password: String?, hasher: PasswordHasher
    ) throws -> Response {
        var same = stored.kind == kind && stored.fingerprint == fingerprint
        if same, let password, let hash = stored.passwordHash {
            same = try hasher.verify(password, against: hash)
        }
        guard same else {
            throw RPCError(
                .failedPrecondition, .operationIDReused,
                "operation_id was used for another operation or other arguments; choose a new one")
        }
        do {
            return try Response(serializedBytes: stored.response)
        } catch {
            throw DealerStoreError("the recorded response of transfer \(stored.transferID) does not decode: \(error)")
        }
    }
}
