import DealerProtocol
import NIOCore

/// `size` pre-encoded length-prefixed Health/Check request frames with call
/// ids 1...size, stored back to back in one buffer. Encoded once per
/// connection; the hot path only copies bytes out of it.
struct RequestRing: Sendable {
    let size: Int
    /// All frames, each a 4-byte big-endian length then a serialized rpc.v1.Frame.
    let bytes: [UInt8]
    /// Offset and total length (prefix included) of the frame with call id `slot + 1`.
    let offsets: [Int]
    let lengths: [Int]

    init(size: Int) {
        let payload = Health_V1_CheckRequest().serializedBytes()
        var bytes = ByteBuffer()
        bytes.reserveCapacity(size * 64)
        var offsets: [Int] = []
        var lengths: [Int] = []
        offsets.reserveCapacity(size)
        lengths.reserveCapacity(size)
        for slot in 0..<size {
            let frame = Rpc_V1_Frame(
                kind: .request(
                    Rpc_V1_Request(
                        callID: UInt64(slot + 1), method: Health_V1_Health.check.path, sessionToken: "",
                        timeoutMs: 0, payload: payload)))
            let start = bytes.writerIndex
            bytes.writeInteger(UInt32(0))
            let bodyLength = frame.serialize(into: &bytes)
            bytes.setInteger(UInt32(bodyLength), at: start)
            offsets.append(start)
            lengths.append(4 + bodyLength)
        }
        self.size = size
        self.bytes = Array(bytes.readableBytesView)
        self.offsets = offsets
        self.lengths = lengths
    }

    /// The length-prefixed Hello frame that opens a connection.
    static func helloFrame(clientName: String) -> ByteBuffer {
        lengthPrefixed(Rpc_V1_Frame(kind: .hello(Rpc_V1_Hello(protocolVersion: 1, clientName: clientName))))
    }

    /// The length-prefixed Pong that answers a Ping carrying `opaque`.
    static func pongFrame(opaque: UInt64) -> ByteBuffer {
        lengthPrefixed(Rpc_V1_Frame(kind: .pong(Rpc_V1_Pong(opaque: opaque))))
    }

    /// `frame` serialized behind its 4-byte big-endian length.
    static func lengthPrefixed(_ frame: Rpc_V1_Frame) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(0))
        let bodyLength = frame.serialize(into: &buffer)
        buffer.setInteger(UInt32(bodyLength), at: 0)
        return buffer
    }
}
