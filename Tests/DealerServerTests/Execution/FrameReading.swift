import DealerProtocol
import DealerTestSupport

extension AsyncStream<Rpc_V1_Frame>.Iterator {
    /// The next Response, skipping other frames; nil once the server has closed.
    mutating func nextResponse() async -> Rpc_V1_Response? {
        while let frame = await next() {
            if case .response(let response) = frame.kind { return response }
        }
        return nil
    }

    /// The next `count` Responses in arrival order (fewer if the server closes).
    mutating func responses(_ count: Int) async -> [Rpc_V1_Response] {
        var responses: [Rpc_V1_Response] = []
        while responses.count < count, let response = await nextResponse() { responses.append(response) }
        return responses
    }
}

extension Rpc_V1_Frame {
    /// A Request frame calling `method` with `request`.
    static func call<Request, Response>(
        _ callID: UInt64, _ method: RPCMethod<Request, Response>, _ request: Request, token: String = "",
        timeoutMs: UInt32 = 0
    ) -> Rpc_V1_Frame {
        .request(
            Rpc_V1_Request(
                callID: callID, method: method.path, sessionToken: token, timeoutMs: timeoutMs,
                payload: request.serializedBytes()))
    }

    /// A call of a gated test method (`TestMethods.wait` or `.hashingWait`) that blocks on `gate`.
    static func wait(
        _ callID: UInt64, on gate: String,
        _ method: RPCMethod<Health_V1_CheckRequest, Health_V1_CheckResponse> = TestMethods.wait, timeoutMs: UInt32 = 0
    ) -> Rpc_V1_Frame {
        call(callID, method, Health_V1_CheckRequest(service: gate), timeoutMs: timeoutMs)
    }

    static func cancel(_ callID: UInt64) -> Rpc_V1_Frame {
        Rpc_V1_Frame(kind: .cancel(Rpc_V1_Cancel(callID: callID)))
    }

    static func ping(_ opaque: UInt64) -> Rpc_V1_Frame {
        Rpc_V1_Frame(kind: .ping(Rpc_V1_Ping(opaque: opaque)))
    }
}
