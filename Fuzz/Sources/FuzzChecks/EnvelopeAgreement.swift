public import DealerProtocol
import NIOCore

/// `FrameEnvelope.parse` (the server's and client's fast path) must read
/// `bytes` exactly as the generic `rpc.v1.Frame` decoder does: both refuse
/// (with the same error), or both give the same frame; and a Request or
/// Response it reads must re-encode through `FrameEnvelope` to the generic
/// encoder's bytes. Traps otherwise.
public func checkEnvelopeAgreement(_ bytes: [UInt8]) {
    let generic = Result { () throws(ProtoDecodingError) in try Rpc_V1_Frame(serializedBytes: bytes) }
    let envelope = Result { () throws(ProtoDecodingError) in try FrameEnvelope.parse(ByteBuffer(bytes: bytes)) }
    switch (generic, envelope) {
    case (.failure(let error), .failure(let other)):
        precondition(error == other, "FrameEnvelope and the generic decoder refuse differently: \(error) / \(other)")
    case (.success(let frame), .success(.request(let request))):
        let expected = Rpc_V1_Request(
            callID: request.callID, method: request.method, sessionToken: request.sessionToken,
            timeoutMs: request.timeoutMs, payload: Array(request.payload.readableBytesView))
        precondition(frame == .request(expected), "FrameEnvelope reads a Request differently")
        var written = ByteBuffer()
        FrameEnvelope.writeRequest(
            callID: expected.callID, method: expected.method, sessionToken: expected.sessionToken,
            timeoutMs: expected.timeoutMs, payload: expected.payload, into: &written)
        precondition(written == frame.lengthPrefixed(allocator: ByteBufferAllocator()), "writeRequest differs from the generic encoder")
    case (.success(let frame), .success(.response(let response))):
        let payload = Array(response.payload.readableBytesView)
        precondition(
            frame == .response(callID: response.callID, status: response.status, payload: payload),
            "FrameEnvelope reads a Response differently")
        var written = ByteBuffer()
        FrameEnvelope.writeResponse(callID: response.callID, status: response.status, payload: payload, into: &written)
        precondition(written == frame.lengthPrefixed(allocator: ByteBufferAllocator()), "writeResponse differs from the generic encoder")
    case (.success(let frame), .success(.other(let other))):
        precondition(frame == other, "FrameEnvelope returns another frame")
    default:
        preconditionFailure("FrameEnvelope and the generic decoder disagree on whether the frame is valid")
    }
}
