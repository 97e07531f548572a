import DealerProtocol

/// A call that provably never ran on the server: refused before it was
/// written, still queued locally, or above a GoAway's `last_call_id`.
/// `DealerClientPool` re-sends these transparently; `DealerConnection.call`
/// throws the wrapped `error`.
struct UnsentCallError: Error {
    let error: RPCError
}
