import DealerProtocol
import NIOCore

/// What the client writes into its pipeline.
enum ClientOutbound {
    /// A ready length-prefixed frame with no answer to wait for (Hello).
    case frame(ByteBuffer)
    /// A length-prefixed Request frame and the promise of its Response.
    case call(callID: UInt64, frame: ByteBuffer, timeout: TimeAmount?, response: EventLoopPromise<Rpc_V1_Response>)
    case cancel(callID: UInt64)
    case ping(opaque: UInt64, pong: EventLoopPromise<Void>)
}

/// Matches responses to pending calls by call id; fails every pending call
/// with UNAVAILABLE when the connection drops. Runs on the channel's loop.
final class ClientConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ClientOutbound
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        let response: EventLoopPromise<Rpc_V1_Response>
        let timer: Scheduled<Void>?
    }

    private let helloAck: EventLoopPromise<Rpc_V1_HelloAck>
    private var pending: [UInt64: Pending] = [:]
    private var pings: [UInt64: EventLoopPromise<Void>] = [:]
    /// Set once the server sent GoAway or the connection closed: new calls fail at once.
    private var refusal: RPCError?
    private var context: ChannelHandlerContext?

    init(helloAck: EventLoopPromise<Rpc_V1_HelloAck>) {
        self.helloAck = helloAck
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelInactive(context: ChannelHandlerContext) {
        let error = RPCError(.unavailable, .connectionClosed, "the connection to the server closed")
        refusal = refusal ?? error
        helloAck.fail(refusal!)
        let calls = pending
        pending.removeAll()
        for call in calls.values {
            call.timer?.cancel()
            call.response.fail(refusal!)
        }
        let waitingPings = pings
        pings.removeAll()
        for pong in waitingPings.values { pong.fail(error) }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let frame = try? Rpc_V1_Frame(buffer: unwrapInboundIn(data)) else {
            refusal = RPCError(.internal, .malformedFrame, "the server sent a frame that does not parse")
            context.close(promise: nil)
            return
        }
        switch frame.kind {
        case .helloAck(let ack):
            helloAck.succeed(ack)
        case .response(let response):
            guard let call = pending.removeValue(forKey: response.callID) else { return }
            call.timer?.cancel()
            call.response.succeed(response)
        case .ping(let ping):
            var buffer = context.channel.allocator.buffer(capacity: 16)
            Rpc_V1_Frame(kind: .pong(Rpc_V1_Pong(opaque: ping.opaque))).writeLengthPrefixed(into: &buffer)
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        case .pong(let pong):
            pings.removeValue(forKey: pong.opaque)?.succeed()
        case .goAway(let goAway):
            let error = RPCError(status: goAway.status ?? Rpc_V1_Status(code: .unavailable))
            refusal = error
            helloAck.fail(error)
            // Calls after last_call_id will never be answered.
            for callID in pending.keys where callID > goAway.lastCallID {
                let call = pending.removeValue(forKey: callID)!
                call.timer?.cancel()
                call.response.fail(error)
            }
        case .hello, .request, .cancel, nil:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let framing = error as? FramingError {
            refusal = RPCError(.internal, framing.rpcError.reason, "the server sent a bad frame: \(framing.rpcError.message)")
        }
        context.close(promise: nil)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Succeeding the write promise tells the caller this handler owns the
        // call's promise from now on (see DealerConnection.call).
        promise?.succeed()
        switch unwrapOutboundIn(data) {
        case .frame(let frame):
            context.write(wrapOutboundOut(frame), promise: nil)
        case .call(let callID, let frame, let timeout, let response):
            if let refusal {
                response.fail(refusal)
                return
            }
            var timer: Scheduled<Void>? = nil
            if let timeout {
                let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
                timer = context.eventLoop.scheduleTask(in: timeout) {
                    loopBound.value.expire(callID)
                }
            }
            pending[callID] = Pending(response: response, timer: timer)
            context.write(wrapOutboundOut(frame), promise: nil)
        case .cancel(let callID):
            guard let call = pending.removeValue(forKey: callID) else { return }
            call.timer?.cancel()
            call.response.fail(RPCError(.cancelled, .cancelled, "the call was cancelled"))
            writeFrame(Rpc_V1_Frame(kind: .cancel(Rpc_V1_Cancel(callID: callID))), context: context)
        case .ping(let opaque, let pong):
            if let refusal {
                pong.fail(refusal)
                return
            }
            pings[opaque] = pong
            writeFrame(Rpc_V1_Frame(kind: .ping(Rpc_V1_Ping(opaque: opaque))), context: context)
        }
    }

    /// The client-side deadline: fails the call and tells the server to stop.
    private func expire(_ callID: UInt64) {
        guard let context, let call = pending.removeValue(forKey: callID) else { return }
        call.response.fail(RPCError(.deadlineExceeded, .deadlineExceeded, "the call's deadline passed"))
        writeFrame(Rpc_V1_Frame(kind: .cancel(Rpc_V1_Cancel(callID: callID))), context: context)
        context.flush()
    }

    private func writeFrame(_ frame: Rpc_V1_Frame, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 32)
        frame.writeLengthPrefixed(into: &buffer)
        context.write(wrapOutboundOut(buffer), promise: nil)
    }
}
