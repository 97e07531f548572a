public import NIOCore

/// An `rpc.v1.Request` as the server handles it: the envelope's fields, with
/// the method path, the session token and the method's request message still
/// in wire form, as slices of the frame they arrived in (no copy, no string
/// made until one is asked for). See `FrameEnvelope`.
public struct RequestEnvelope: Sendable {
    /// Chosen by the client; unique among the calls in flight on the connection.
    public var callID: UInt64
    /// The full method path's UTF-8 bytes (valid UTF-8 without U+0000), e.g.
    /// "/dealer.v1.DealerService/AcceptRequest".
    public var methodBytes: ByteBuffer
    /// The session token's UTF-8 bytes (valid UTF-8 without U+0000); empty when none.
    public var sessionTokenBytes: ByteBuffer
    /// 0 = no deadline; otherwise milliseconds from when the server read the Request.
    public var timeoutMs: UInt32
    /// The serialized request message of the method.
    public var payload: ByteBuffer

    /// The full method path, e.g. "/dealer.v1.DealerService/AcceptRequest" (made on each use).
    public var method: String { String(buffer: methodBytes) }
    /// The session token, or empty (made on each use).
    public var sessionToken: String { String(buffer: sessionTokenBytes) }

    public init(
        callID: UInt64, methodBytes: ByteBuffer, sessionTokenBytes: ByteBuffer, timeoutMs: UInt32, payload: ByteBuffer
    ) {
        self.callID = callID
        self.methodBytes = methodBytes
        self.sessionTokenBytes = sessionTokenBytes
        self.timeoutMs = timeoutMs
        self.payload = payload
    }

    public init(callID: UInt64, method: String, sessionToken: String, timeoutMs: UInt32, payload: ByteBuffer) {
        self.init(
            callID: callID, methodBytes: ByteBuffer(string: method), sessionTokenBytes: ByteBuffer(string: sessionToken),
            timeoutMs: timeoutMs, payload: payload)
    }

    /// The envelope of a Request the generic decoder read (its fields are copied once).
    public init(_ request: Rpc_V1_Request) {
        self.init(
            callID: request.callID, method: request.method, sessionToken: request.sessionToken,
            timeoutMs: request.timeoutMs, payload: ByteBuffer(bytes: request.payload))
    }
}
