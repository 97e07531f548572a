import DealerProtocol
import NIOCore

/// The raw echo server's handler: splits the byte stream into length-prefixed
/// frames (4-byte big-endian length + body) and writes each complete frame
/// back unchanged, one write per frame and one flush per socket read. No
/// protobuf, no dispatch: the ceiling a framed server on this machine can reach.
final class FrameEchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let maxFrameSize: Int
    private var cumulation = InboundCumulation()

    init(maxFrameSize: Int) {
        self.maxFrameSize = maxFrameSize
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        cumulation.feed(unwrapInboundIn(data)) { echoFrames(&$0, context: context) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func echoFrames(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) {
        while true {
            let length: Int
            do {
                guard let complete = try FrameDecoder.completeFrameLength(in: buffer, maxFrameSize: maxFrameSize) else { return }
                length = complete
            } catch {
                buffer.clear()
                context.close(promise: nil)
                return
            }
            // The frame goes back unchanged, length prefix included.
            context.write(wrapOutboundOut(buffer.readSlice(length: FrameDecoder.prefixLength + length)!), promise: nil)
        }
    }
}
