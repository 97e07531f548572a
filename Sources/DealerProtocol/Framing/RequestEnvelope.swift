public import NIOCore

/// An `rpc.v1.Request` as the server handles it: the envelope's scalar
/// fields, and the method path, the session token and the method's request
/// message still in wire form, as ranges of the one buffer they arrived in
/// (no copy, no string made until one is asked for, one reference to count
/// when the envelope is passed around). See `FrameEnvelope`.
public struct RequestEnvelope: Sendable {
    /// Chosen by the client; unique among the calls in flight on the connection.
    public var callID: UInt64
    /// 0 = no deadline; otherwise milliseconds from when the server read the Request.
    public var timeoutMs: UInt32
    /// The bytes the three fields below are ranges of (usually the frame's body).
    private let bytes: ByteBuffer
    private let methodField: Field
    private let tokenField: Field
    private let payloadField: Field

    /// Where a field's bytes are in `bytes` (offsets from its reader index).
    struct Field: Sendable {
        let offset: UInt32
        let count: UInt32

        static let empty = Field(offset: 0, count: 0)
    }

    /// An envelope over `bytes` (a frame body) whose fields sit at these ranges.
    init(callID: UInt64, timeoutMs: UInt32, bytes: ByteBuffer, method: Field, sessionToken: Field, payload: Field) {
        self.callID = callID
        self.timeoutMs = timeoutMs
        self.bytes = bytes
        self.methodField = method
        self.tokenField = sessionToken
        self.payloadField = payload
    }

    public init(callID: UInt64, method: String, sessionToken: String, timeoutMs: UInt32, payload: ByteBuffer) {
        var bytes = ByteBuffer()
        let method = Self.append(ByteBuffer(string: method), to: &bytes)
        let sessionToken = Self.append(ByteBuffer(string: sessionToken), to: &bytes)
        let payload = Self.append(payload, to: &bytes)
        self.init(callID: callID, timeoutMs: timeoutMs, bytes: bytes, method: method, sessionToken: sessionToken, payload: payload)
    }

    /// The envelope of a Request the generic decoder read (its fields are copied once).
    public init(_ request: Rpc_V1_Request) {
        self.init(
            callID: request.callID, method: request.method, sessionToken: request.sessionToken,
            timeoutMs: request.timeoutMs, payload: ByteBuffer(bytes: request.payload))
    }

    private static func append(_ field: ByteBuffer, to bytes: inout ByteBuffer) -> Field {
        let offset = bytes.readableBytes
        bytes.writeImmutableBuffer(field)
        return Field(offset: UInt32(offset), count: UInt32(field.readableBytes))
    }

    private func slice(_ field: Field) -> ByteBuffer {
        bytes.getSlice(at: bytes.readerIndex + Int(field.offset), length: Int(field.count)) ?? ByteBuffer()
    }

    /// The full method path's UTF-8 bytes (valid UTF-8 without U+0000), e.g.
    /// "/dealer.v1.DealerService/AcceptRequest".
    public var methodBytes: ByteBuffer { slice(methodField) }
    /// The session token's UTF-8 bytes (valid UTF-8 without U+0000); empty when none.
    public var sessionTokenBytes: ByteBuffer { slice(tokenField) }
    /// The serialized request message of the method.
    public var payload: ByteBuffer { slice(payloadField) }

    /// The full method path, e.g. "/dealer.v1.DealerService/AcceptRequest" (made on each use).
    public var method: String { String(buffer: methodBytes) }
    /// The session token, or empty (made on each use).
    public var sessionToken: String { String(buffer: sessionTokenBytes) }
}
