import DealerProtocol
import NIOCore

/// What the client writes into its pipeline.
enum ClientOutbound {
    /// Calls to send, in order (see `CallSubmissionQueue`).
    case calls([CallSubmissionQueue.Submission])
    case cancel(callID: UInt64)
    case ping(opaque: UInt64, pong: EventLoopPromise<Void>)
    /// Take no new calls; close once the pending and queued ones are answered.
    case drain
}

/// Matches responses to pending calls by call id; fails every pending call
/// with UNAVAILABLE when the connection drops. Keeps at most the server's
/// `max_in_flight_calls` outstanding and queues the rest; sends keepalive
/// Pings when the connection is idle. Runs on the channel's loop.
final class ClientConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ClientOutbound
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        let response: EventLoopPromise<ResponseEnvelope>
        let timer: Scheduled<Void>?
    }

    private struct Queued {
        let callID: UInt64
        let frame: ByteBuffer
        let pending: Pending
    }

    private let helloAck: EventLoopPromise<Rpc_V1_HelloAck>
    private let state: ConnectionState
    private let keepalive: DealerConnection.Keepalive?
    private var pending: [UInt64: Pending] = [:]
    /// Calls beyond the server's in-flight limit, not written yet.
    private var queued = CircularBuffer<Queued>()
    private var maxInFlight = Int.max
    private var pings: [UInt64: EventLoopPromise<Void>] = [:]
    /// Set once the server sent GoAway, the client drains or the connection
    /// closed: new calls fail at once, without being sent.
    private var refusal: RPCError?
    private var draining = false
    private var helloAckReceived = false
    private var context: ChannelHandlerContext?

    // Keepalive.
    private var keepaliveInterval: TimeAmount?
    private var lastWrite = NIODeadline.now()
    private var keepaliveTimer: Scheduled<Void>?
    private var keepaliveOpaque: UInt64?
    private var pongTimer: Scheduled<Void>?
    private var nextKeepaliveOpaque: UInt64 = 1 << 63

    private let hello: Rpc_V1_Frame

    init(
        hello: Rpc_V1_Frame, helloAck: EventLoopPromise<Rpc_V1_HelloAck>, state: ConnectionState,
        keepalive: DealerConnection.Keepalive?
    ) {
        self.hello = hello
        self.helloAck = helloAck
        self.state = state
        self.keepalive = keepalive
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    /// Sends the Hello from the event loop the moment the connection is up,
    /// so the server's handshake timeout never depends on when the
    /// connecting task gets a thread again.
    func channelActive(context: ChannelHandlerContext) {
        writeFrame(hello, context: context)
        context.flush()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let error = RPCError(.unavailable, .connectionClosed, "the connection to the server closed")
        let refusal = self.refusal ?? error
        self.refusal = refusal
        state.markUnusable()
        helloAck.fail(refusal)
        keepaliveTimer?.cancel()
        pongTimer?.cancel()
        let calls = pending
        pending.removeAll()
        for call in calls.values {
            call.timer?.cancel()
            call.response.fail(refusal)
        }
        failQueued(UnsentCallError(error: refusal))
        let waitingPings = pings
        pings.removeAll()
        for pong in waitingPings.values { pong.fail(error) }
        state.closed()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let inbound: FrameEnvelope.Inbound
        do {
            inbound = try FrameEnvelope.parse(unwrapInboundIn(data))
        } catch {
            refusal = RPCError(.internal, .malformedFrame, "the server sent a frame that does not parse")
            context.close(promise: nil)
            return
        }
        let frame: Rpc_V1_Frame
        switch inbound {
        case .response(let response):
            guard let call = pending.removeValue(forKey: response.callID) else { return }
            call.timer?.cancel()
            call.response.succeed(response)
            callFinished(context: context)
            return
        case .request:
            return
        case .other(let other):
            frame = other
        }
        switch frame.kind {
        case .helloAck(let ack):
            helloAckReceived = true
            if ack.maxInFlightCalls > 0 { maxInFlight = Int(ack.maxInFlightCalls) }
            startKeepalive(ack, context: context)
            helloAck.succeed(ack)
        case .ping(let ping):
            writeFrame(Rpc_V1_Frame(kind: .pong(Rpc_V1_Pong(opaque: ping.opaque))), context: context)
            context.flush()
        case .pong(let pong):
            if pong.opaque == keepaliveOpaque {
                keepaliveOpaque = nil
                pongTimer?.cancel()
                pongTimer = nil
                state.keepalivePongReceived()
            } else {
                pings.removeValue(forKey: pong.opaque)?.succeed()
            }
        case .goAway(let goAway):
            let error = RPCError(status: goAway.status ?? Rpc_V1_Status(code: .unavailable))
            refusal = error
            state.markUnusable()
            helloAck.fail(error)
            // Calls after last_call_id and calls still queued here were never
            // run by the server: they fail as unsent, so a pool may re-send them.
            for callID in pending.keys where callID > goAway.lastCallID {
                let call = pending.removeValue(forKey: callID)!
                call.timer?.cancel()
                call.response.fail(UnsentCallError(error: error))
            }
            failQueued(UnsentCallError(error: error))
        case .hello, .request, .response, .cancel, nil:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let framing = error as? FramingError, !helloAckReceived {
            // Not a dealer server, or one that speaks TLS to a plain client
            // (its TLS alert read as a length prefix): the connect fails.
            refusal = RPCError(
                .unavailable, .connectionClosed,
                "the server did not answer Hello with dealer frames (\(framing.rpcError.message)); a TLS port needs a TLS client")
        } else if let framing = error as? FramingError {
            refusal = RPCError(.internal, framing.rpcError.reason, "the server sent a bad frame: \(framing.rpcError.message)")
        } else if refusal == nil, !helloAckReceived, DealerTLS.isTLSError(error) {
            // Before HelloAck: with TLS 1.3 a refused client certificate shows
            // only after the client's side of the handshake is done.
            refusal = RPCError(.unavailable, .tlsHandshakeFailed, "TLS with the server failed: \(error)")
        }
        context.close(promise: nil)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Succeeding the write promise tells the caller this handler owns the
        // call's promise from now on (see DealerConnection.call).
        promise?.succeed()
        switch unwrapOutboundIn(data) {
        case .calls(let calls):
            for call in calls { send(call, context: context) }
            context.flush()
        case .cancel(let callID):
            if let index = queued.firstIndex(where: { $0.callID == callID }) {
                let call = queued.remove(at: index).pending
                call.timer?.cancel()
                call.response.fail(RPCError(.cancelled, .cancelled, "the call was cancelled"))
                return
            }
            guard let call = pending.removeValue(forKey: callID) else { return }
            call.timer?.cancel()
            call.response.fail(RPCError(.cancelled, .cancelled, "the call was cancelled"))
            writeFrame(Rpc_V1_Frame(kind: .cancel(Rpc_V1_Cancel(callID: callID))), context: context)
            callFinished(context: context)
        case .ping(let opaque, let pong):
            if let refusal {
                pong.fail(refusal)
                return
            }
            pings[opaque] = pong
            writeFrame(Rpc_V1_Frame(kind: .ping(Rpc_V1_Ping(opaque: opaque))), context: context)
        case .drain:
            draining = true
            if refusal == nil {
                refusal = RPCError(.unavailable, .connectionClosed, "the connection is closing")
            }
            state.markUnusable()
            closeIfDrained(context: context)
        }
    }

    // MARK: Calls

    /// Writes a call (without flushing), or queues it above the server's
    /// in-flight limit, or fails it when the connection takes no calls.
    private func send(_ submission: CallSubmissionQueue.Submission, context: ChannelHandlerContext) {
        let callID = submission.callID
        if let refusal {
            submission.response.fail(UnsentCallError(error: refusal))
            return
        }
        var timer: Scheduled<Void>? = nil
        if let timeout = submission.timeout {
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleTask(in: timeout) {
                loopBound.value.expire(callID)
            }
        }
        let call = Pending(response: submission.response, timer: timer)
        if pending.count >= maxInFlight {
            queued.append(Queued(callID: callID, frame: submission.frame, pending: call))
        } else {
            pending[callID] = call
            lastWrite = .now()
            context.write(wrapOutboundOut(submission.frame), promise: nil)
        }
    }

    /// A call left `pending`: start queued calls in its slot, or close a drained connection.
    private func callFinished(context: ChannelHandlerContext) {
        var wrote = false
        while pending.count < maxInFlight, let next = queued.popFirst() {
            pending[next.callID] = next.pending
            context.write(wrapOutboundOut(next.frame), promise: nil)
            wrote = true
        }
        if wrote {
            lastWrite = .now()
            context.flush()
        }
        closeIfDrained(context: context)
    }

    private func closeIfDrained(context: ChannelHandlerContext) {
        if draining && pending.isEmpty && queued.isEmpty {
            context.close(promise: nil)
        }
    }

    private func failQueued(_ error: any Error) {
        while let call = queued.popFirst() {
            call.pending.timer?.cancel()
            call.pending.response.fail(error)
        }
    }

    /// The client-side deadline: fails the call and tells the server to stop.
    private func expire(_ callID: UInt64) {
        guard let context else { return }
        let error = RPCError(.deadlineExceeded, .deadlineExceeded, "the call's deadline passed")
        if let index = queued.firstIndex(where: { $0.callID == callID }) {
            queued.remove(at: index).pending.response.fail(error)
            return
        }
        guard let call = pending.removeValue(forKey: callID) else { return }
        call.response.fail(error)
        writeFrame(Rpc_V1_Frame(kind: .cancel(Rpc_V1_Cancel(callID: callID))), context: context)
        context.flush()
        callFinished(context: context)
    }

    private func writeFrame(_ frame: Rpc_V1_Frame, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 32)
        frame.writeLengthPrefixed(into: &buffer)
        lastWrite = .now()
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    // MARK: Keepalive

    /// Pings at a third of the server's announced idle timeout (or the
    /// configured interval when the server announces none).
    private func startKeepalive(_ ack: Rpc_V1_HelloAck, context: ChannelHandlerContext) {
        guard let keepalive else { return }
        let interval: TimeAmount
        if ack.idleTimeoutMs > 0 {
            interval = .milliseconds(max(1, Int64(ack.idleTimeoutMs) / 3))
        } else if let fallback = keepalive.intervalWithoutAnnouncement {
            interval = fallback
        } else {
            return
        }
        keepaliveInterval = interval
        lastWrite = .now()
        scheduleKeepalive(at: lastWrite + interval, context: context)
    }

    private func scheduleKeepalive(at deadline: NIODeadline, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        keepaliveTimer = context.eventLoop.scheduleTask(deadline: deadline) {
            loopBound.value.keepaliveCheck()
        }
    }

    private func keepaliveCheck() {
        guard let context, let interval = keepaliveInterval, refusal == nil else { return }
        let now = NIODeadline.now()
        if now - lastWrite >= interval && keepaliveOpaque == nil {
            let opaque = nextKeepaliveOpaque
            nextKeepaliveOpaque &+= 1
            keepaliveOpaque = opaque
            writeFrame(Rpc_V1_Frame(kind: .ping(Rpc_V1_Ping(opaque: opaque))), context: context)
            context.flush()
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            pongTimer = context.eventLoop.scheduleTask(in: keepalive!.timeout) {
                loopBound.value.keepaliveTimedOut()
            }
        }
        scheduleKeepalive(at: max(lastWrite + interval, now + .milliseconds(1)), context: context)
    }

    /// No Pong in time: the peer or the path is dead; fail everything and close.
    private func keepaliveTimedOut() {
        guard let context else { return }
        refusal = refusal ?? RPCError(.unavailable, .connectionClosed, "no Pong within the keepalive timeout")
        context.close(promise: nil)
    }
}
