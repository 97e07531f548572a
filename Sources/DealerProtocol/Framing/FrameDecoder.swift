public import NIOCore

/// Splits a byte stream into frame bodies: a 4-byte unsigned big-endian
/// length N, then N bytes (1 ≤ N ≤ `maxFrameSize`).
///
/// The size check is decided from the 4 length bytes alone, before any of the
/// body is buffered. Emits each body as a `ByteBuffer`; parsing the body as an
/// `rpc.v1.Frame` is the connection handler's job.
public struct FrameDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = ByteBuffer

    /// The length prefix size in bytes.
    public static let prefixLength = 4

    public let maxFrameSize: Int

    public init(maxFrameSize: Int) {
        precondition(maxFrameSize >= 1)
        self.maxFrameSize = maxFrameSize
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let body = try Self.nextFrame(in: &buffer, maxFrameSize: maxFrameSize) else {
            return .needMoreData
        }
        context.fireChannelRead(Self.wrapInboundOut(body))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }

    /// Takes one whole frame body off the front of `buffer`, or returns nil
    /// (consuming nothing) when the frame is not complete yet.
    public static func nextFrame(in buffer: inout ByteBuffer, maxFrameSize: Int) throws(FramingError) -> ByteBuffer? {
        guard let length = try completeFrameLength(in: buffer, maxFrameSize: maxFrameSize) else { return nil }
        buffer.moveReaderIndex(forwardBy: prefixLength)
        return buffer.readSlice(length: length)
    }

    /// The body length N of the frame at the front of `buffer` once all of it
    /// has arrived, else nil; consumes nothing. Throws as soon as the 4 length
    /// bytes are there if N is 0 or above `maxFrameSize`.
    public static func completeFrameLength(in buffer: ByteBuffer, maxFrameSize: Int) throws(FramingError) -> Int? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self) else {
            return nil
        }
        if length == 0 { throw FramingError.emptyFrame }
        if UInt64(length) > UInt64(maxFrameSize) {
            throw FramingError.frameTooLarge(length: Int(length), limit: maxFrameSize)
        }
        return buffer.readableBytes >= prefixLength + Int(length) ? Int(length) : nil
    }
}

/// A length prefix the peer must not send.
public enum FramingError: Error, Hashable, Sendable {
    /// N = 0.
    case emptyFrame
    /// N above the connection's limit.
    case frameTooLarge(length: Int, limit: Int)

    /// The wire error sent in the GoAway that closes the connection.
    public var rpcError: RPCError {
        switch self {
        case .emptyFrame:
            RPCError(.invalidArgument, .malformedFrame, "frame length 0: a frame holds 1 to max_frame_size bytes")
        case .frameTooLarge(let length, let limit):
            RPCError(.resourceExhausted, .frameTooLarge, "frame of \(length) bytes exceeds the limit of \(limit)")
        }
    }
}
