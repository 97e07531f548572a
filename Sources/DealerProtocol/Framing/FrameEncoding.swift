public import NIOCore

extension Rpc_V1_Frame {
    /// The protocol version this build speaks (`Hello.protocol_version`).
    public static let protocolVersion: UInt32 = 1

    /// Appends the length-prefixed encoding of this frame to `buffer`.
    public func writeLengthPrefixed(into buffer: inout ByteBuffer) {
        let prefixIndex = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        let length = serialize(into: &buffer)
        buffer.setInteger(UInt32(length), at: prefixIndex)
    }

    /// The length-prefixed encoding of this frame in a new buffer.
    public func lengthPrefixed(allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 64)
        writeLengthPrefixed(into: &buffer)
        return buffer
    }

    /// A frame carrying a call.
    public static func request(_ request: Rpc_V1_Request) -> Rpc_V1_Frame {
        Rpc_V1_Frame(kind: .request(request))
    }

    /// A frame carrying a call's outcome. An OK status is left out on the
    /// wire (absent status means OK).
    public static func response(callID: UInt64, status: Rpc_V1_Status? = nil, payload: [UInt8] = []) -> Rpc_V1_Frame {
        Rpc_V1_Frame(kind: .response(Rpc_V1_Response(callID: callID, status: status, payload: payload)))
    }

    /// A frame announcing that the sender accepts no calls after `lastCallID`.
    public static func goAway(lastCallID: UInt64, _ error: RPCError) -> Rpc_V1_Frame {
        Rpc_V1_Frame(kind: .goAway(Rpc_V1_GoAway(lastCallID: lastCallID, status: error.status)))
    }
}

extension Rpc_V1_Response {
    /// The outcome as an error, or nil when the call succeeded.
    public var error: RPCError? {
        guard let status, status.code != .ok else { return nil }
        return RPCError(status: status)
    }
}
