public import NIOCore

/// An `rpc.v1.Response` as a client handles it: the call id, the status
/// (nil = OK), and the response message still encoded, as a slice of the
/// frame it arrived in (no copy). See `FrameEnvelope`.
public struct ResponseEnvelope: Sendable {
    public var callID: UInt64
    /// Absent on the wire means OK.
    public var status: Rpc_V1_Status?
    /// The serialized response message when the status is OK; empty otherwise.
    public var payload: ByteBuffer

    public init(callID: UInt64, status: Rpc_V1_Status?, payload: ByteBuffer) {
        self.callID = callID
        self.status = status
        self.payload = payload
    }

    /// The envelope of a Response the generic decoder read (its payload is copied once).
    public init(_ response: Rpc_V1_Response) {
        self.init(callID: response.callID, status: response.status, payload: ByteBuffer(bytes: response.payload))
    }

    /// The outcome as an error, or nil when the call succeeded.
    public var error: RPCError? {
        guard let status, status.code != .ok else { return nil }
        return RPCError(status: status)
    }
}
