import DealerProtocol
import NIOCore

/// Told to the connection handler when a read leaves an incomplete frame
/// (some of its length prefix or body) in the decoder's buffer, so it can
/// enforce the frame receive deadline.
struct PartialFrameBufferedEvent: Sendable {}

/// The server's `FrameDecoder`: splits frames the same way and also fires
/// `PartialFrameBufferedEvent` down the pipeline whenever it stops for want
/// of the rest of a frame.
struct ServerFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    private var frames: FrameDecoder

    init(maxFrameSize: Int) {
        frames = FrameDecoder(maxFrameSize: maxFrameSize)
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let state = try frames.decode(context: context, buffer: &buffer)
        if state == .needMoreData && buffer.readableBytes > 0 {
            context.fireUserInboundEventTriggered(PartialFrameBufferedEvent())
        }
        return state
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try frames.decodeLast(context: context, buffer: &buffer, seenEOF: seenEOF)
    }
}
