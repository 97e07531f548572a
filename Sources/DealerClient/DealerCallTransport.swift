import DealerProtocol

/// Something calls go through: a `DealerClientPool` (reconnects, retries,
/// token provider) or a single `DealerConnection`. The generated typed
/// clients (`Auth_V1_AuthServiceClient`, …) are generic over it.
public protocol DealerCallTransport: Sendable {
    /// Calls `method` and waits for its response.
    ///
    /// - Parameter idempotent: whether a retry policy may re-send the call
    ///   after a failure that may have run on the server (the generated
    ///   clients pass it per method).
    /// - Throws: `RPCError`.
    func call<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ request: Request,
        options: CallOptions,
        idempotent: Bool
    ) async throws -> Response
}

extension DealerConnection: DealerCallTransport {
    /// One attempt on this connection with `options.token` (or none) and
    /// `options.timeout`; never retried.
    public func call<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ request: Request,
        options: CallOptions,
        idempotent: Bool
    ) async throws -> Response {
        try await call(method, request, token: options.token ?? "", timeout: options.timeout)
    }
}
