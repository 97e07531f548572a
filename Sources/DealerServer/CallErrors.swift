import DealerProtocol

/// The errors the server core itself answers calls with.
enum CallErrors {
    static let deadlineExceeded = RPCError(.deadlineExceeded, .deadlineExceeded, "the call's deadline passed before it completed")
    static let cancelled = RPCError(.cancelled, .cancelled, "the call was cancelled by the client")
    static let shuttingDown = RPCError(.unavailable, .shuttingDown, "the server is shutting down and accepts no new calls")

    static func unknownMethod(_ path: String) -> RPCError {
        RPCError(.unimplemented, .unknownMethod, "unknown method \"\(path)\"")
    }

    static func notImplemented(_ path: String) -> RPCError {
        RPCError(.unimplemented, .notImplemented, "\(path) is not implemented by this server yet")
    }
}
