import DealerProtocol
import NIOCore

/// One connection of `dealer-load idle-connections`, behind a
/// `FrameDecoder` (it reads frame bodies): sends Hello, waits for
/// the HelloAck, then stays idle, answering only the server's Pings.
/// `established` succeeds at the HelloAck and fails when the server refuses
/// the connection (GoAway, e.g. TOO_MANY_CONNECTIONS) or closes it first; a
/// connection lost after that is reported to `losses`.
final class IdleConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let established: EventLoopPromise<Void>
    private let losses: IdleConnectionLosses
    private var acknowledged = false
    private var closing = false
    /// Why the connection is ending (the server's GoAway, a bad or unexpected frame).
    private var endReason: String?

    init(established: EventLoopPromise<Void>, losses: IdleConnectionLosses) {
        self.established = established
        self.losses = losses
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(RequestRing.helloFrame(clientName: "dealer-load idle-connections")), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let reason = endReason ?? "closed by the server"
        if acknowledged {
            if !closing { losses.record(reason) }
        } else {
            established.fail(LoadFailure(reason: refusal(reason)))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if endReason == nil, let framing = error as? FramingError {
            endReason = "bad frame from the server: \(framing.rpcError.message)"
        }
        // A refused connection may end in a reset right after its GoAway: the GoAway says why.
        if !acknowledged { established.fail(LoadFailure(reason: endReason.map(refusal) ?? "\(error)")) }
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        handle(unwrapInboundIn(data), context: context)
    }

    /// Marks the close that follows as ours (not a loss).
    func closeQuietly(context: ChannelHandlerContext) {
        closing = true
        context.close(promise: nil)
    }

    private func refusal(_ reason: String) -> String { "connection refused before its HelloAck: \(reason)" }

    private func handle(_ body: ByteBuffer, context: ChannelHandlerContext) {
        switch (try? Rpc_V1_Frame(buffer: body))?.kind {
        case .helloAck where !acknowledged:
            acknowledged = true
            established.succeed()
        case .goAway(let frame):
            let reason = "GoAway \(frame.status?.code.description ?? "-")/\(frame.status?.reason ?? ""): \(frame.status?.message ?? "")"
            endReason = reason
            if !acknowledged { established.fail(LoadFailure(reason: refusal(reason))) }
        case .ping(let ping):
            context.writeAndFlush(wrapOutboundOut(RequestRing.pongFrame(opaque: ping.opaque)), promise: nil)
        default:
            endReason = "unexpected frame from the server"
            context.close(promise: nil)
        }
    }
}
