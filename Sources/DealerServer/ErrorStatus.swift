import DealerProtocol
import Logging

/// The one place where errors become wire statuses.
enum ErrorStatus {
    /// `RPCError` keeps its code, reason and message. Anything else is an
    /// internal failure: logged here with the call id, answered INTERNAL with
    /// a generic message so no internals reach the peer.
    static func status(for error: any Error, callID: UInt64, method: String, logger: Logger) -> Rpc_V1_Status {
        if let error = error as? RPCError {
            return error.status
        }
        logger.error(
            "call failed with an unexpected error",
            metadata: ["call_id": "\(callID)", "method": "\(method)", "error": "\(String(reflecting: error))"])
        return RPCError(.internal, .internalError, "internal error").status
    }
}
