import DealerProtocol
import NIOCore

/// The whole pipeline of a connection above the server's connection limits:
/// sends GoAway RESOURCE_EXHAUSTED / `TOO_MANY_CONNECTIONS` as soon as the
/// connection is active and closes it, reading nothing.
final class RefusedConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let error = RPCError(
        .resourceExhausted, .tooManyConnections, "the server has too many connections open; retry later")

    private var refused = false

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { refuse(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        refuse(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    private func refuse(_ context: ChannelHandlerContext) {
        guard !refused else { return }
        refused = true
        let frame = Rpc_V1_Frame.goAway(lastCallID: 0, Self.error)
        context.writeAndFlush(wrapOutboundOut(frame.lengthPrefixed(allocator: context.channel.allocator)), promise: nil)
        context.close(promise: nil)
    }
}
