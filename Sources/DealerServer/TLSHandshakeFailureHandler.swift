import Logging
import NIOCore
import NIOTLS

/// Right behind `NIOSSLServerHandler`: a connection whose TLS handshake fails
/// (a plain-TCP client, an untrusted or missing client certificate) is
/// logged at info level, counted (`dealer_tls_handshake_failures_total`) and
/// closed, as a failed handshake; the error goes no further up the pipeline. A peer that never completes the handshake is
/// closed by the server's handshake timeout like any peer without a Hello.
final class TLSHandshakeFailureHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let logger: Logger
    private let metrics: ServerMetrics?
    private var handshakeCompleted = false

    init(logger: Logger, metrics: ServerMetrics?) {
        self.logger = logger
        self.metrics = metrics
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent { handshakeCompleted = true }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !handshakeCompleted else {
            context.fireErrorCaught(error)
            return
        }
        metrics?.tlsHandshakeFailed()
        logger.info(
            "TLS handshake failed; closing the connection",
            metadata: [
                "peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "unknown")",
                "error": "\(error)",
            ])
        context.close(promise: nil)
    }
}
