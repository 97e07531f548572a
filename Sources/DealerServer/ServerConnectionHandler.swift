import DealerProtocol
import DealerServices
import Logging
import NIOCore

/// Asks a connection to stop taking calls: it sends GoAway, finishes the
/// calls it accepted, then closes.
struct DrainConnectionEvent: Sendable {}

/// The per-connection protocol state machine: handshake, dispatch, deadlines,
/// cancellation, backpressure, idle, handshake and frame receive timeouts,
/// draining.
///
/// Backpressure has two sources, and the socket is read only when both
/// allow: calls (at most `maxInFlightCalls` run; more wait, and reading stops
/// while any wait; with `maxInFlightCalls` waiting, frames already read are
/// not handled either) and the outbound buffer (above the high write-buffer
/// watermark no frame is handled, no waiting call starts and reading stops,
/// until it drains below the low watermark). Frames read but not handled
/// wait in `pendingFrames`.
///
/// Runs entirely on the connection's event loop. Handlers marked
/// `.eventLoop` are answered inline, and so are those with a from-memory path
/// when it can answer (WhoAmI on a cached session); the others go to their
/// lane (storage or hashing `BlockingExecutor`) and come back to this loop.
final class ServerConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case awaitingHello
        case active
        /// GoAway sent (or received): no new calls; close once the accepted ones are answered.
        case draining
        case closed
    }

    private let core: ServerCore
    /// The server's metrics (`ServerConfiguration.metrics`); nil records nothing.
    private let metrics: ServerMetrics?
    private var logger: Logger
    private var state = State.awaitingHello
    /// Calls holding an in-flight slot, by serial: queued in or running on a
    /// lane. One answered early (Cancel, deadline) keeps its slot until its
    /// handler returns, so cancelled work cannot pile up behind the limit.
    private var inFlight: [UInt64: Call] = [:]
    /// Accepted calls waiting for a free in-flight slot.
    private var waiting = CircularBuffer<Call>()
    /// The serial of every accepted call not answered yet, by call id.
    private var unanswered: [UInt64: UInt64] = [:]
    private var lastSerial: UInt64 = 0
    /// This connection's calls in each lane (waiting or running), by lane.
    private var storageLaneCalls = 0
    private var hashingLaneCalls = 0
    private var writeLaneCalls = 0
    private var mailbox: CompletionMailbox?
    private var lastAcceptedCallID: UInt64 = 0
    private var readHeld = false
    private var needsFlush = false
    private var flushScheduled = false
    private var lastActivity = NIODeadline.now()
    private var handshakeTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?
    /// Whole frames read but not handled yet (backpressure).
    private var pendingFrames = CircularBuffer<ByteBuffer>()
    private var handlingPendingFrames = false
    /// The channel's writability, kept by `channelWritabilityChanged`.
    private var outboundWritable = true
    /// A whole frame arrived during the current read: activity for the idle timeout.
    private var frameArrivedInRead = false
    /// When the first byte of the frame still incomplete in the decoder arrived
    /// (or reading last resumed, if later); nil when no partial frame is buffered.
    private var partialFrameStartedAt: NIODeadline?
    private var receiveTimer: Scheduled<Void>?
    /// The most bytes seen queued in the channel's outbound buffer (`load`).
    private var peakBufferedOutboundBytes = 0
    private var context: ChannelHandlerContext?
    /// Frames written since the last flush, not handed to the channel yet:
    /// small frames are appended here (inline answers are encoded straight
    /// into it) and go out as one buffer at the next flush, or as soon as it
    /// holds `coalescingLimit` bytes, so a batch of small answers costs one
    /// pipeline write and one iovec instead of one each.
    private var coalesced = ByteBuffer()

    init(core: ServerCore, logger: Logger) {
        self.core = core
        self.metrics = core.configuration.metrics
        self.logger = logger
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if let remote = context.channel.remoteAddress {
            logger[metadataKey: "peer"] = "\(remote)"
        }
        if context.channel.isActive { startHandshakeTimer(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startHandshakeTimer(context)
        context.fireChannelActive()
    }

    /// From when the connection is active, not when its pipeline was built:
    /// on a busy server registration may come later, and a GoAway written
    /// before it would be lost.
    private func startHandshakeTimer(_ context: ChannelHandlerContext) {
        guard handshakeTimer == nil, state == .awaitingHello else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        handshakeTimer = context.eventLoop.scheduleTask(in: core.configuration.handshakeTimeout) {
            loopBound.value.handshakeTimedOut()
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        handshakeTimer?.cancel()
        idleTimer?.cancel()
        receiveTimer?.cancel()
        dropCalls()
        pendingFrames.removeAll()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard state != .closed else { return }
        frameArrivedInRead = true
        partialFrameStartedAt = nil
        let body = unwrapInboundIn(data)
        // The common case: nothing held back, so handle the frame at once
        // instead of queueing it behind nothing.
        if pendingFrames.isEmpty, !handlingPendingFrames, outboundWritable,
            waiting.count < core.configuration.maxInFlightCalls
        {
            handleFrame(body, context: context)
        } else {
            pendingFrames.append(body)
            handlePendingFrames(context)
        }
    }

    /// Handles one whole frame body.
    private func handleFrame(_ body: ByteBuffer, context: ChannelHandlerContext) {
        let frame: FrameEnvelope.Inbound
        do {
            frame = try FrameEnvelope.parse(body)
        } catch {
            goAwayAndClose(context, RPCError(.invalidArgument, .malformedFrame, "frame does not parse as rpc.v1.Frame: \(error)"))
            return
        }
        switch (state, frame) {
        case (.awaitingHello, .other(let frame)):
            if case .hello(let hello) = frame.kind {
                receiveHello(hello, context: context)
            } else {
                goAwayAndClose(context, RPCError(.invalidArgument, .helloRequired, "the first frame of a connection must be a Hello"))
            }
        case (.awaitingHello, _):
            goAwayAndClose(context, RPCError(.invalidArgument, .helloRequired, "the first frame of a connection must be a Hello"))
        case (_, .request(let request)):
            receiveRequest(request, context: context)
        case (_, .response):
            goAwayAndClose(context, RPCError(.invalidArgument, .malformedFrame, "a client may not send this frame here"))
        case (_, .other(let frame)):
            switch frame.kind {
            case .ping(let ping):
                write(Rpc_V1_Frame(kind: .pong(Rpc_V1_Pong(opaque: ping.opaque))), context: context)
            case .pong:
                break
            case .cancel(let cancel):
                cancelCall(cancel.callID, context: context)
            case .goAway:
                // The client sends no more calls; answer what it sent, then close.
                state = .draining
                closeIfDrained(context)
            case .request, .hello, .helloAck, .response, nil:
                goAwayAndClose(context, RPCError(.invalidArgument, .malformedFrame, "a client may not send this frame here"))
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Only whole frames are activity: a trickle of partial bytes is not.
        if frameArrivedInRead {
            frameArrivedInRead = false
            lastActivity = .now()
        }
        flushIfNeeded(context)
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let framing = error as? FramingError {
            goAwayAndClose(context, framing.rpcError)
        } else if state != .closed {
            logger.debug("connection error", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
    }

    // MARK: Outbound: backpressure and drain

    func read(context: ChannelHandlerContext) {
        if mayRead {
            context.read()
        } else {
            readHeld = true
        }
    }

    /// Reading is allowed by both backpressure sources: calls and outbound buffer.
    private var mayRead: Bool {
        inFlight.count < core.configuration.maxInFlightCalls && waiting.isEmpty
            && outboundWritable && pendingFrames.isEmpty
    }

    /// Handles the frames held back, then reads again, as far as both
    /// backpressure sources allow.
    private func resumeInbound(_ context: ChannelHandlerContext) {
        handlePendingFrames(context)
        guard readHeld, mayRead else { return }
        readHeld = false
        restartReceiveClock(context)
        context.read()
    }

    /// Starts waiting calls while there are free in-flight slots and room
    /// in the outbound buffer for their responses.
    private func startWaitingCalls(_ context: ChannelHandlerContext) {
        while inFlight.count < core.configuration.maxInFlightCalls, outboundWritable, let next = waiting.popFirst() {
            start(next, context: context)
        }
    }

    /// Handles the frames read so far, in order, while the outbound buffer
    /// has room and fewer than `maxInFlightCalls` calls wait; the rest wait
    /// for a call to finish or for `channelWritabilityChanged`.
    private func handlePendingFrames(_ context: ChannelHandlerContext) {
        guard !handlingPendingFrames else { return }
        handlingPendingFrames = true
        defer { handlingPendingFrames = false }
        while outboundWritable, waiting.count < core.configuration.maxInFlightCalls, state != .closed,
            let body = pendingFrames.popFirst()
        {
            handleFrame(body, context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        outboundWritable = context.channel.isWritable
        if outboundWritable {
            // The peer read some responses: activity. Resume from a fresh
            // event loop task, not inside the flush that reported this.
            lastActivity = .now()
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.execute { loopBound.value.resumeAfterOutboundDrained() }
        } else {
            recordBufferedOutboundBytes(context)
            context.flush()
        }
        context.fireChannelWritabilityChanged()
    }

    private func resumeAfterOutboundDrained() {
        guard let context, state != .closed, outboundWritable else { return }
        startWaitingCalls(context)
        resumeInbound(context)
        flushIfNeeded(context)
        closeIfDrained(context)
    }

    var load: ConnectionLoad {
        ConnectionLoad(
            readHeld: readHeld, outboundWritable: outboundWritable, callsInFlight: inFlight.count,
            callsWaiting: waiting.count, framesPending: pendingFrames.count, lastAcceptedCallID: lastAcceptedCallID,
            peakBufferedOutboundBytes: peakBufferedOutboundBytes)
    }

    private func recordBufferedOutboundBytes(_ context: ChannelHandlerContext) {
        if let buffered = try? context.channel.syncOptions?.getOption(.bufferedWritableBytes) {
            peakBufferedOutboundBytes = max(peakBufferedOutboundBytes, buffered)
        }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is DrainConnectionEvent else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        promise?.succeed()
        switch state {
        case .awaitingHello:
            context.close(promise: nil)
        case .active:
            state = .draining
            write(.goAway(lastCallID: lastAcceptedCallID, CallErrors.shuttingDown), context: context)
            flushIfNeeded(context)
            closeIfDrained(context)
        case .draining, .closed:
            break
        }
    }

    // MARK: Handshake and timers

    private func receiveHello(_ hello: Rpc_V1_Hello, context: ChannelHandlerContext) {
        guard hello.protocolVersion == Rpc_V1_Frame.protocolVersion else {
            goAwayAndClose(
                context,
                RPCError(.failedPrecondition, .unsupportedVersion,
                    "protocol version \(hello.protocolVersion) is not supported; this server speaks \(Rpc_V1_Frame.protocolVersion)"))
            return
        }
        handshakeTimer?.cancel()
        handshakeTimer = nil
        state = .active
        if !hello.clientName.isEmpty { logger[metadataKey: "client"] = "\(hello.clientName)" }
        let configuration = core.configuration
        let ack = Rpc_V1_HelloAck(
            protocolVersion: Rpc_V1_Frame.protocolVersion,
            serverName: configuration.serverName,
            maxFrameSize: UInt32(clamping: configuration.maxFrameSize),
            maxInFlightCalls: UInt32(clamping: configuration.maxInFlightCalls), idleTimeoutMs: UInt32(clamping: configuration.idleTimeout.nanoseconds / 1_000_000))
        write(Rpc_V1_Frame(kind: .helloAck(ack)), context: context)
        scheduleIdleCheck(at: lastActivity + configuration.idleTimeout, context: context)
    }

    private func handshakeTimedOut() {
        guard let context, state == .awaitingHello else { return }
        goAwayAndClose(context, RPCError(.unavailable, .handshakeTimeout, "no Hello within the handshake timeout"))
    }

    private func scheduleIdleCheck(at deadline: NIODeadline, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(deadline: deadline) {
            loopBound.value.idleCheck()
        }
    }

    private func idleCheck() {
        guard let context, state == .active || state == .draining else { return }
        let idleTimeout = core.configuration.idleTimeout
        let now = NIODeadline.now()
        // Calls held back only because the peer does not read its responses are no activity.
        if inFlight.isEmpty && (waiting.isEmpty || !outboundWritable) && now - lastActivity >= idleTimeout {
            goAwayAndClose(context, RPCError(.unavailable, .idleTimeout, "connection idle for longer than the idle timeout"))
        } else {
            scheduleIdleCheck(at: max(lastActivity + idleTimeout, now + .milliseconds(10)), context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is PartialFrameBufferedEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        guard partialFrameStartedAt == nil, state != .closed else { return }
        partialFrameStartedAt = .now()
        scheduleReceiveCheck(context)
    }

    /// While reading is held the peer cannot finish its frame: the receive
    /// deadline of a partial frame counts from when reading resumes.
    private func restartReceiveClock(_ context: ChannelHandlerContext) {
        guard partialFrameStartedAt != nil else { return }
        partialFrameStartedAt = .now()
        scheduleReceiveCheck(context)
    }

    private func scheduleReceiveCheck(_ context: ChannelHandlerContext) {
        guard receiveTimer == nil, let startedAt = partialFrameStartedAt else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        receiveTimer = context.eventLoop.scheduleTask(deadline: startedAt + core.configuration.frameReceiveTimeout) {
            loopBound.value.receiveCheck()
        }
    }

    private func receiveCheck() {
        receiveTimer = nil
        guard let context, state != .closed, !readHeld, let startedAt = partialFrameStartedAt else { return }
        if NIODeadline.now() - startedAt >= core.configuration.frameReceiveTimeout {
            goAwayAndClose(
                context, RPCError(.unavailable, .receiveTimeout, "a frame did not arrive completely within the receive timeout"))
        } else {
            scheduleReceiveCheck(context)
        }
    }

    // MARK: Calls

    /// One accepted call, from its Request until it is answered or, once
    /// handed to a lane, until its handler returns.
    private struct Call {
        /// Unique on this connection (call ids may be reused once answered).
        let serial: UInt64
        let request: RequestEnvelope
        /// From `timeout_ms`, counted from when the Request was read.
        let deadline: NIODeadline?
        /// When the Request was read (uptime nanoseconds), for the latency metric; 0 without metrics.
        let receivedAt: UInt64
        var timer: Scheduled<Void>?
        var lane: BlockingExecutor?
        var ticket: BlockingExecutor.Ticket?
        /// Answered early (Cancel or deadline) while its handler runs.
        var answered = false
        /// In `unanswered`: the call outlives the frame that brought it (it
        /// waits for a slot or runs on a lane). A call answered inline never is.
        var registered = false
    }

    private func receiveRequest(_ request: RequestEnvelope, context: ChannelHandlerContext) {
        metrics?.requestReceived()
        let receivedAt = metrics == nil ? 0 : NIODeadline.now().uptimeNanoseconds
        guard state == .active else {
            writeResponse(
                callID: request.callID, result: .failure(CallErrors.shuttingDown), methodBytes: request.methodBytes,
                receivedAt: receivedAt, context: context)
            return
        }
        guard unanswered[request.callID] == nil else {
            metrics?.callsDropped(1)
            goAwayAndClose(
                context, RPCError(.invalidArgument, .duplicateCallID, "call id \(request.callID) is already in flight"))
            return
        }
        lastAcceptedCallID = max(lastAcceptedCallID, request.callID)
        if inFlight.count < core.configuration.maxInFlightCalls,
            let handler = core.methods.handler(forPath: request.methodBytes),
            handler.answersInline
        {
            // Answered from memory, at once: no slot, deadline or bookkeeping needed.
            // A from-memory handler that cannot answer goes to its lane below.
            prepareCoalesced(context)
            let outcome = handler.invokeInline(
                payload: request.payload,
                context: CallContext(
                    callID: request.callID, method: handler.path, sessionTokenBytes: request.sessionTokenBytes,
                    logger: logger),
                into: &coalesced)
            switch outcome {
            case .answered:
                recordAnswer(methodBytes: request.methodBytes, code: .ok, receivedAt: receivedAt)
                wroteCoalesced(context)
                return
            case .failed(let error):
                writeResponse(
                    callID: request.callID, result: .failure(error), methodBytes: request.methodBytes,
                    receivedAt: receivedAt, context: context)
                return
            case .needsLane:
                break
            }
        }
        lastSerial += 1
        let deadline = request.timeoutMs > 0 ? NIODeadline.now() + .milliseconds(Int64(request.timeoutMs)) : nil
        var call = Call(serial: lastSerial, request: request, deadline: deadline, receivedAt: receivedAt)
        if inFlight.count >= core.configuration.maxInFlightCalls {
            unanswered[request.callID] = call.serial
            call.registered = true
            if let deadline { call.timer = scheduleDeadline(of: call.serial, at: deadline, context: context) }
            waiting.append(call)
        } else {
            start(call, context: context)
        }
    }

    /// Runs a call inline, or hands it to its lane, taking an in-flight slot;
    /// answers at once when it cannot run (unknown method, past its deadline,
    /// lane full).
    private func start(_ call: Call, context: ChannelHandlerContext) {
        var call = call
        let request = call.request
        guard let handler = core.methods.handler(forPath: request.methodBytes) else {
            let error =
                core.methods.declaredPaths.contains(request.method)
                ? CallErrors.notImplemented(request.method) : CallErrors.unknownMethod(request.method)
            answer(call, .failure(error), context: context)
            return
        }
        let callContext = CallContext(
            callID: request.callID, method: handler.path, sessionTokenBytes: request.sessionTokenBytes, logger: logger)
        let payload = request.payload
        guard let lane = core.lane(for: handler.execution) else {
            answer(call, Result { try handler.invoke(payload: payload, context: callContext) }, context: context)
            return
        }
        if let deadline = call.deadline, deadline <= .now() {
            answer(call, .failure(CallErrors.deadlineExceeded), context: context)
            return
        }
        let limit = core.perConnectionLimit(of: lane)
        guard callsIn(lane) < limit else {
            refuseBusy(call, CallErrors.connectionLaneFull(lane.name, limit: limit), context: context)
            return
        }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let serial = call.serial
        let job = BlockingExecutor.Job(
            deadline: call.deadline,
            work: { try handler.invoke(payload: payload, context: callContext) },
            mailbox: mailbox(for: context),
            completion: { result in loopBound.value.finish(serial, result: result) })
        guard let ticket = lane.submit(job) else {
            refuseBusy(call, CallErrors.laneFull(lane.name), context: context)
            return
        }
        call.lane = lane
        call.ticket = ticket
        if !call.registered {
            unanswered[request.callID] = serial
            call.registered = true
        }
        if call.timer == nil, let deadline = call.deadline {
            call.timer = scheduleDeadline(of: serial, at: deadline, context: context)
        }
        countCall(in: lane, 1)
        inFlight[serial] = call
    }

    private func cancelCall(_ callID: UInt64, context: ChannelHandlerContext) {
        // A Cancel for an unknown or already answered call is ignored.
        guard let serial = unanswered[callID] else { return }
        giveUp(serial, CallErrors.cancelled, context: context)
    }

    /// Answers a call with `error` (Cancel, deadline) if it is not answered
    /// yet. A call that has not started never runs and frees its slot now; a
    /// running one keeps its slot until its handler returns.
    private func giveUp(_ serial: UInt64, _ error: RPCError, context: ChannelHandlerContext) {
        if var call = inFlight[serial] {
            guard !call.answered else { return }
            if let lane = call.lane, let ticket = call.ticket, lane.cancel(ticket) {
                inFlight.removeValue(forKey: serial)
                countCall(in: lane, -1)
                answer(call, .failure(error), context: context)
                advance(context)
            } else {
                call.answered = true
                inFlight[serial] = call
                answer(call, .failure(error), context: context)
                scheduleFlush(context)
            }
        } else if let index = waiting.firstIndex(where: { $0.serial == serial }) {
            let call = waiting.remove(at: index)
            answer(call, .failure(error), context: context)
            advance(context)
        }
    }

    /// A lane's result for a call: answers it unless it was answered early,
    /// and frees its slot.
    private func finish(_ serial: UInt64, result: Result<ByteBuffer, any Error>) {
        guard let context, let call = inFlight.removeValue(forKey: serial) else { return }
        if let lane = call.lane { countCall(in: lane, -1) }
        if !call.answered { answer(call, result, context: context) }
        advance(context)
    }

    /// Starts waiting calls while slots (and the outbound buffer) allow,
    /// handles held-back frames and reads again as far as backpressure
    /// allows, flushes, and closes a drained connection.
    private func advance(_ context: ChannelHandlerContext) {
        startWaitingCalls(context)
        resumeInbound(context)
        scheduleFlush(context)
        closeIfDrained(context)
    }

    /// This connection's calls in `lane`, waiting or running (one counter per lane).
    private func callsIn(_ lane: BlockingExecutor) -> Int {
        if lane === core.hashingLane { return hashingLaneCalls }
        if lane === core.writeLane { return writeLaneCalls }
        return storageLaneCalls
    }

    private func countCall(in lane: BlockingExecutor, _ delta: Int) {
        if lane === core.hashingLane {
            hashingLaneCalls += delta
        } else if lane === core.writeLane {
            writeLaneCalls += delta
        } else {
            storageLaneCalls += delta
        }
    }

    /// The one Response of a call.
    private func answer(_ call: Call, _ result: Result<ByteBuffer, any Error>, context: ChannelHandlerContext) {
        call.timer?.cancel()
        if call.registered { unanswered.removeValue(forKey: call.request.callID) }
        writeResponse(
            callID: call.request.callID, result: result, methodBytes: call.request.methodBytes,
            receivedAt: call.receivedAt, context: context)
    }

    private func refuseBusy(_ call: Call, _ error: RPCError, context: ChannelHandlerContext) {
        logger.debug(
            "call refused: lane full",
            metadata: ["call_id": "\(call.request.callID)", "method": "\(call.request.method)", "reason": "\(error.message)"])
        answer(call, .failure(error), context: context)
    }

    private func scheduleDeadline(of serial: UInt64, at deadline: NIODeadline, context: ChannelHandlerContext) -> Scheduled<Void> {
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        return context.eventLoop.scheduleTask(deadline: deadline) {
            let handler = loopBound.value
            if let context = handler.context { handler.giveUp(serial, CallErrors.deadlineExceeded, context: context) }
        }
    }

    private func mailbox(for context: ChannelHandlerContext) -> CompletionMailbox {
        if let mailbox { return mailbox }
        let created = core.mailbox(for: context.eventLoop)
        mailbox = created
        return created
    }

    /// The connection is gone: withdraw its queued work (it never runs) and
    /// forget its calls; results of running handlers are dropped.
    private func dropCalls() {
        for call in inFlight.values {
            call.timer?.cancel()
            if let lane = call.lane, let ticket = call.ticket { _ = lane.cancel(ticket) }
        }
        for call in waiting { call.timer?.cancel() }
        metrics?.callsDropped(unanswered.count)
        inFlight.removeAll()
        waiting.removeAll()
        unanswered.removeAll()
        storageLaneCalls = 0
        hashingLaneCalls = 0
        writeLaneCalls = 0
    }

    // MARK: Writing

    /// Writes the Response of a call to the method whose path is `methodBytes`
    /// (made a `String` only for an error or the metrics of an unknown method).
    private func writeResponse(
        callID: UInt64, result: Result<ByteBuffer, any Error>, methodBytes: ByteBuffer, receivedAt: UInt64,
        context: ChannelHandlerContext
    ) {
        let frame: ByteBuffer
        let code: Rpc_V1_StatusCode
        switch result {
        case .success(let responseFrame):
            // The handler wrote the whole Response frame for this call id.
            frame = responseFrame
            code = .ok
        case .failure(let error):
            let status = ErrorStatus.status(
                for: error, callID: callID, method: String(buffer: methodBytes), logger: logger)
            var buffer = context.channel.allocator.buffer(capacity: 64)
            FrameEnvelope.writeResponse(callID: callID, status: status, payload: [], into: &buffer)
            frame = buffer
            code = status.code
        }
        recordAnswer(methodBytes: methodBytes, code: code, receivedAt: receivedAt)
        write(frame, context: context)
    }

    /// Counts an answered call in the metrics, if any.
    private func recordAnswer(methodBytes: ByteBuffer, code: Rpc_V1_StatusCode, receivedAt: UInt64) {
        guard let metrics else { return }
        let label: String
        if let handler = core.methods.handler(forPath: methodBytes) {
            label = handler.path
        } else {
            let method = String(buffer: methodBytes)
            label = core.methods.declaredPaths.contains(method) ? method : ServerMetrics.unknownMethodLabel
        }
        metrics.callAnswered(method: label, code: code, nanoseconds: NIODeadline.now().uptimeNanoseconds &- receivedAt)
    }

    private func write(_ frame: Rpc_V1_Frame, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 64)
        frame.writeLengthPrefixed(into: &buffer)
        write(buffer, context: context)
    }

    /// Writes one whole length-prefixed frame: a small one joins the
    /// coalesced batch (copied), a large one goes to the channel as it is,
    /// after the batch so far.
    private func write(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        if buffer.readableBytes <= Self.coalescedFrameLimit {
            prepareCoalesced(context)
            coalesced.writeImmutableBuffer(buffer)
            wroteCoalesced(context)
        } else {
            writeCoalesced(context)
            context.write(wrapOutboundOut(buffer), promise: nil)
            needsFlush = true
            if !outboundWritable { recordBufferedOutboundBytes(context) }
        }
    }

    /// Frames up to this size are copied into the coalesced batch.
    private static let coalescedFrameLimit = 1024
    /// The batch is handed to the channel once it holds this many bytes, so
    /// the channel's write-buffer watermarks (backpressure) see it in time.
    private static let coalescingLimit = 64 * 1024

    /// Gives the coalesced batch room before frames are appended to it.
    private func prepareCoalesced(_ context: ChannelHandlerContext) {
        if coalesced.capacity == 0 {
            coalesced = context.channel.allocator.buffer(capacity: 4096)
        }
    }

    /// After frames were appended to the batch: a flush is due, and a full batch goes to the channel now.
    private func wroteCoalesced(_ context: ChannelHandlerContext) {
        needsFlush = true
        if coalesced.readableBytes >= Self.coalescingLimit { writeCoalesced(context) }
    }

    /// Hands the coalesced batch to the channel (not flushed).
    private func writeCoalesced(_ context: ChannelHandlerContext) {
        guard coalesced.readableBytes > 0 else { return }
        let batch = coalesced
        coalesced = ByteBuffer()
        context.write(wrapOutboundOut(batch), promise: nil)
        if !outboundWritable { recordBufferedOutboundBytes(context) }
    }

    private func flushIfNeeded(_ context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            writeCoalesced(context)
            context.flush()
        }
    }

    /// Flushes once after the current batch of completions has run.
    private func scheduleFlush(_ context: ChannelHandlerContext) {
        guard !flushScheduled else { return }
        flushScheduled = true
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let handler = loopBound.value
            handler.flushScheduled = false
            if let context = handler.context { handler.flushIfNeeded(context) }
        }
    }

    private func closeIfDrained(_ context: ChannelHandlerContext) {
        guard state == .draining, inFlight.isEmpty, waiting.isEmpty else { return }
        state = .closed
        flushIfNeeded(context)
        context.close(promise: nil)
    }

    private func goAwayAndClose(_ context: ChannelHandlerContext, _ error: RPCError) {
        guard state != .closed else { return }
        logger.debug("closing connection", metadata: ["reason": "\(error.reason)", "message": "\(error.message)"])
        write(.goAway(lastCallID: lastAcceptedCallID, error), context: context)
        state = .closed
        flushIfNeeded(context)
        context.close(promise: nil)
    }
}
