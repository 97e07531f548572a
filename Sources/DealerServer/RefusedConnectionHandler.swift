import DealerProtocol
import NIOCore
import NIOTLS

/// The whole pipeline of a connection above the server's connection limits:
/// sends GoAway RESOURCE_EXHAUSTED / `TOO_MANY_CONNECTIONS` as soon as the
/// connection is active (over TLS: once the TLS handshake is done) and
/// closes it, reading nothing.
final class RefusedConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let error = RPCError(
        .resourceExhausted, .tooManyConnections, "the server has too many connections open; retry later")

    private var refused = false
    /// Behind `NIOSSLServerHandler`, how long the TLS handshake may take: a
    /// GoAway written before it completes would be lost in the close, and a
    /// peer that never completes it is closed when this passes. Nil: plain TCP.
    private let tlsHandshakeTimeout: TimeAmount?
    private var handshakeTimer: Scheduled<Void>?

    init(tlsHandshakeTimeout: TimeAmount? = nil) {
        self.tlsHandshakeTimeout = tlsHandshakeTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            handshakeTimer?.cancel()
            refuse(context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        context.fireChannelInactive()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard let tlsHandshakeTimeout else {
            refuse(context)
            return
        }
        guard handshakeTimer == nil else { return }
        let channel = context.channel
        handshakeTimer = context.eventLoop.scheduleTask(in: tlsHandshakeTimeout) { channel.close(promise: nil) }
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
