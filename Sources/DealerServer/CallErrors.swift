import DealerProtocol

/// The errors the server core itself answers calls with.
enum CallErrors {
    static let deadlineExceeded = RPCError(.deadlineExceeded, .deadlineExceeded, "the call's deadline passed before it completed")
    static let cancelled = RPCError(.cancelled, .cancelled, "the call was cancelled by the client")
    static let shuttingDown = RPCError(.unavailable, .shuttingDown, "the server is shutting down and accepts no new calls")

    static func laneFull(_ lane: String) -> RPCError {
        RPCError(.resourceExhausted, .busy, "the server's \(lane) queue is full; retry shortly")
    }

    static func connectionLaneFull(_ lane: String, limit: Int) -> RPCError {
        RPCError(
            .resourceExhausted, .busy,
            "this connection already has \(limit) calls in the server's \(lane) lane; retry once some are answered")
    }

    static func unknownMethod(_ path: String) -> RPCError {
        RPCError(.unimplemented, .unknownMethod, "unknown method \"\(path)\"")
    }

    static func notImplemented(_ path: String) -> RPCError {
        RPCError(.unimplemented, .notImplemented, "\(path) is not implemented by this server yet")
    }
}
