import DealerProtocol
import DealerServices
import Logging
import NIOCore

/// Asks a connection to stop taking calls: it sends GoAway, finishes the
/// calls it accepted, then closes.
struct DrainConnectionEvent: Sendable {}

/// The per-connection protocol state machine: handshake, dispatch, deadlines,
/// cancellation, backpressure, idle and handshake timeouts, draining.
///
/// Runs entirely on the connection's event loop. Handlers marked
/// `.eventLoop` are answered inline; the others go to the `BlockingExecutor`
/// and come back to this loop.
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
    private var logger: Logger
    private var state = State.awaitingHello
    /// Calls handed to the executor, with their deadline timers.
    private var inFlight: [UInt64: Scheduled<Void>?] = [:]
    /// Accepted calls waiting for a free in-flight slot.
    private var waiting = CircularBuffer<Rpc_V1_Request>()
    private var lastAcceptedCallID: UInt64 = 0
    private var readHeld = false
    private var needsFlush = false
    private var flushScheduled = false
    private var lastActivity = NIODeadline.now()
    private var handshakeTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(core: ServerCore, logger: Logger) {
        self.core = core
        self.logger = logger
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if let remote = context.channel.remoteAddress {
            logger[metadataKey: "peer"] = "\(remote)"
        }
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
        for timer in inFlight.values { timer?.cancel() }
        inFlight.removeAll()
        waiting.removeAll()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard state != .closed else { return }
        let frame: Rpc_V1_Frame
        do {
            frame = try Rpc_V1_Frame(buffer: unwrapInboundIn(data))
        } catch {
            goAwayAndClose(context, RPCError(.invalidArgument, .malformedFrame, "frame does not parse as rpc.v1.Frame: \(error)"))
            return
        }
        switch (state, frame.kind) {
        case (.awaitingHello, .hello(let hello)):
            receiveHello(hello, context: context)
        case (.awaitingHello, _):
            goAwayAndClose(context, RPCError(.invalidArgument, .helloRequired, "the first frame of a connection must be a Hello"))
        case (_, .request(let request)):
            receiveRequest(request, context: context)
        case (_, .ping(let ping)):
            write(Rpc_V1_Frame(kind: .pong(Rpc_V1_Pong(opaque: ping.opaque))), context: context)
        case (_, .pong):
            break
        case (_, .cancel(let cancel)):
            cancelCall(cancel.callID, context: context)
        case (_, .goAway):
            // The client sends no more calls; answer what it sent, then close.
            state = .draining
            closeIfDrained(context)
        case (_, .hello), (_, .helloAck), (_, .response), (_, nil):
            goAwayAndClose(context, RPCError(.invalidArgument, .malformedFrame, "a client may not send this frame here"))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        lastActivity = .now()
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
        if inFlight.count >= core.configuration.maxInFlightCalls || !waiting.isEmpty {
            readHeld = true
        } else {
            context.read()
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
        if inFlight.isEmpty && waiting.isEmpty && now - lastActivity >= idleTimeout {
            goAwayAndClose(context, RPCError(.unavailable, .idleTimeout, "connection idle for longer than the idle timeout"))
        } else {
            scheduleIdleCheck(at: max(lastActivity + idleTimeout, now + .milliseconds(10)), context: context)
        }
    }

    // MARK: Calls

    private func receiveRequest(_ request: Rpc_V1_Request, context: ChannelHandlerContext) {
        guard state == .active else {
            writeResponse(callID: request.callID, result: .failure(CallErrors.shuttingDown), method: request.method, context: context)
            return
        }
        if inFlight[request.callID] != nil || waiting.contains(where: { $0.callID == request.callID }) {
            goAwayAndClose(
                context, RPCError(.invalidArgument, .duplicateCallID, "call id \(request.callID) is already in flight"))
            return
        }
        lastAcceptedCallID = max(lastAcceptedCallID, request.callID)
        if inFlight.count >= core.configuration.maxInFlightCalls {
            waiting.append(request)
        } else {
            start(request, context: context)
        }
    }

    private func start(_ request: Rpc_V1_Request, context: ChannelHandlerContext) {
        guard let handler = core.methods.handler(for: request.method) else {
            let error =
                core.methods.declaredPaths.contains(request.method)
                ? CallErrors.notImplemented(request.method) : CallErrors.unknownMethod(request.method)
            writeResponse(callID: request.callID, result: .failure(error), method: request.method, context: context)
            return
        }
        let callContext = CallContext(
            callID: request.callID, method: request.method, sessionToken: request.sessionToken, logger: logger)
        let payload = request.payload
        switch handler.execution {
        case .eventLoop:
            let result = Result { try handler.invoke(payload: payload, context: callContext) }
            writeResponse(callID: request.callID, result: result, method: request.method, context: context)
        case .blocking:
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            let callID = request.callID
            var deadline: NIODeadline? = nil
            var timer: Scheduled<Void>? = nil
            if request.timeoutMs > 0 {
                let expiry = NIODeadline.now() + .milliseconds(Int64(request.timeoutMs))
                deadline = expiry
                timer = context.eventLoop.scheduleTask(deadline: expiry) {
                    loopBound.value.finish(callID, method: callContext.method, result: .failure(CallErrors.deadlineExceeded))
                }
            }
            inFlight[callID] = timer
            core.executor.submit(
                BlockingExecutor.Job(
                    eventLoop: context.eventLoop,
                    deadline: deadline,
                    work: { try handler.invoke(payload: payload, context: callContext) },
                    completion: { result in loopBound.value.finish(callID, method: callContext.method, result: result) }
                ))
        }
    }

    private func cancelCall(_ callID: UInt64, context: ChannelHandlerContext) {
        if let index = waiting.firstIndex(where: { $0.callID == callID }) {
            let request = waiting.remove(at: index)
            writeResponse(callID: callID, result: .failure(CallErrors.cancelled), method: request.method, context: context)
            flushIfNeeded(context)
            return
        }
        finish(callID, method: "", result: .failure(CallErrors.cancelled))
    }

    /// Answers an in-flight call once: by its result, its deadline or a Cancel,
    /// whichever comes first; later outcomes of the same call are dropped.
    private func finish(_ callID: UInt64, method: String, result: Result<[UInt8], any Error>) {
        guard let context, let timer = inFlight.removeValue(forKey: callID) else { return }
        timer?.cancel()
        writeResponse(callID: callID, result: result, method: method, context: context)
        while inFlight.count < core.configuration.maxInFlightCalls, let next = waiting.popFirst() {
            start(next, context: context)
        }
        if readHeld && inFlight.count < core.configuration.maxInFlightCalls && waiting.isEmpty {
            readHeld = false
            context.read()
        }
        scheduleFlush(context)
        closeIfDrained(context)
    }

    // MARK: Writing

    private func writeResponse(
        callID: UInt64, result: Result<[UInt8], any Error>, method: String, context: ChannelHandlerContext
    ) {
        let frame: Rpc_V1_Frame
        switch result {
        case .success(let payload):
            frame = .response(callID: callID, payload: payload)
        case .failure(let error):
            let status = ErrorStatus.status(for: error, callID: callID, method: method, logger: logger)
            frame = .response(callID: callID, status: status)
        }
        write(frame, context: context)
    }

    private func write(_ frame: Rpc_V1_Frame, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 64)
        frame.writeLengthPrefixed(into: &buffer)
        context.write(wrapOutboundOut(buffer), promise: nil)
        needsFlush = true
    }

    private func flushIfNeeded(_ context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
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
