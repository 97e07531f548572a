import NIOCore

/// First in a connection's pipeline (behind TLS, if any): frees the connection's slot in the
/// `ConnectionRegistry` the moment the server closes it, before the socket
/// closes, so a peer that saw the close can connect again at once.
final class ConnectionSlotHandler: ChannelOutboundHandler {
    typealias OutboundIn = NIOAny

    private let registry: ConnectionRegistry

    init(registry: ConnectionRegistry) {
        self.registry = registry
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .all { registry.release(context.channel) }
        context.close(mode: mode, promise: promise)
    }
}
