public import NIOCore

/// An `rpc.v1.Request` as the server handles it: the envelope's fields, and
/// the method's request message still encoded, as a slice of the frame it
/// arrived in (no copy). See `FrameEnvelope`.
public struct RequestEnvelope: Sendable {
    /// Chosen by the client; unique among the calls in flight on the connection.
    public var callID: UInt64
    /// The full method path, e.g. "/dealer.v1.DealerService/AcceptRequest".
    public var method: String
    /// The session token, or empty.
    public var sessionToken: String
    /// 0 = no deadline; otherwise milliseconds from when the server read the Request.
    public var timeoutMs: UInt32
    /// The serialized request message of the method.
    public var payload: ByteBuffer

    public init(callID: UInt64, method: String, sessionToken: String, timeoutMs: UInt32, payload: ByteBuffer) {
        self.callID = callID
        self.method = method
        self.sessionToken = sessionToken
        self.timeoutMs = timeoutMs
        self.payload = payload
    }

    /// The envelope of a Request the generic decoder read (its payload is copied once).
    public init(_ request: Rpc_V1_Request) {
        self.init(
            callID: request.callID, method: request.method, sessionToken: request.sessionToken,
            timeoutMs: request.timeoutMs, payload: ByteBuffer(bytes: request.payload))
    }
}
