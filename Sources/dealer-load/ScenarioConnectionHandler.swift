import DealerProtocol
import Histogram
import NIOCore

/// One load connection of `dealer-load scenario`: `plan.slots` slots, each
/// running one operation at a time (one call, or the three calls of a write
/// cycle). Closed loop: a slot starts its next operation as soon as the last
/// one is answered. Open loop (`intervalNanoseconds`): operations are due at
/// fixed intended times; a due operation starts when a slot is free, and its
/// first call's latency counts from the intended time, not the actual send
/// (the coordinated-omission correction of wrk2).
///
/// Responses are matched by the call id in their first bytes (`FrameScan`);
/// only failures, the HelloAck and SubmitRequest responses (for the request
/// id) are decoded. Writes are batched into one flush per socket read.
final class ScenarioConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Counts over a measured window, taken on the channel's event loop.
    struct Snapshot: Sendable {
        var calls: UInt64 = 0
        var operations: UInt64 = 0
        var errorsByCode: [String: UInt64] = [:]
        var nanoseconds: UInt64 = 0
        var latency: Histogram<UInt64>
        var failure: String?
    }

    /// The largest latency recorded (longer ones are clamped): 60 s.
    static let highestLatency: UInt64 = 60_000_000_000

    private enum Phase { case connecting, handshaking, running, stopped }

    private let plan: ConnectionPlan
    private let handshake: Bool
    private let intervalNanoseconds: UInt64?
    private let progress: ScenarioProgress
    private let ready: EventLoopPromise<Void>
    private let maxFrameSize = 16 << 20
    private var random: SplitMix64

    private var phase = Phase.connecting
    private var busy: [Bool]
    private var kinds: [CallKind]
    /// When each slot's current call counts from (intended time in open loop).
    private var startTimes: [UInt64]
    private var freeSlots: [Int]
    private var cumulation = InboundCumulation()
    private var pendingOut = ByteBuffer()
    private var context: ChannelHandlerContext?
    /// Open loop: the intended time of the next operation not started yet.
    private var nextIntended: UInt64 = 0
    private var ticker: RepeatedTask?

    private var measuring = false
    private var window = Snapshot(latency: ScenarioConnectionHandler.makeHistogram())
    private var windowStart: UInt64 = 0
    private var failure: String?

    init(
        plan: ConnectionPlan, handshake: Bool, intervalNanoseconds: UInt64?, progress: ScenarioProgress,
        ready: EventLoopPromise<Void>, seed: UInt64
    ) {
        self.plan = plan
        self.handshake = handshake
        self.intervalNanoseconds = intervalNanoseconds
        self.progress = progress
        self.ready = ready
        self.random = SplitMix64(seed: seed)
        self.busy = [Bool](repeating: false, count: plan.slots)
        self.kinds = [CallKind](repeating: .health, count: plan.slots)
        self.startTimes = [UInt64](repeating: 0, count: plan.slots)
        self.freeSlots = Array((0..<plan.slots).reversed())
    }

    static func makeHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: highestLatency, numberOfSignificantValueDigits: .three)
    }

    // MARK: Measurement control (on the event loop)

    func beginMeasurement() {
        measuring = true
        windowStart = MonotonicClock.nanoseconds()
        window = Snapshot(latency: Self.makeHistogram())
    }

    func endMeasurement() -> Snapshot {
        phase = .stopped
        measuring = false
        ticker?.cancel()
        var snapshot = window
        snapshot.nanoseconds = MonotonicClock.nanoseconds() - windowStart
        snapshot.failure = failure
        return snapshot
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        ticker?.cancel()
    }

    func channelActive(context: ChannelHandlerContext) {
        pendingOut = context.channel.allocator.buffer(capacity: 4096)
        if handshake {
            phase = .handshaking
            context.writeAndFlush(wrapOutboundOut(RequestRing.helloFrame(clientName: "dealer-load scenario")), promise: nil)
        } else {
            start(context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if phase != .stopped { fail("connection closed by the server", context: context) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail("\(error)", context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        cumulation.feed(unwrapInboundIn(data)) { process(&$0, context: context) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush(context: context)
    }

    // MARK: Sending

    private func start(context: ChannelHandlerContext) {
        phase = .running
        ready.succeed()
        let now = MonotonicClock.nanoseconds()
        if let interval = intervalNanoseconds {
            nextIntended = now
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            ticker = context.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(1)) { _ in
                let handler = loopBound.value
                guard let context = handler.context else { return }
                handler.startDueOperations(now: MonotonicClock.nanoseconds(), interval: interval)
                handler.flush(context: context)
            }
        } else {
            while let slot = freeSlots.popLast() { startOperation(slot: slot, at: now) }
        }
        flush(context: context)
    }

    /// Open loop: starts every operation whose intended time has come, while slots are free.
    private func startDueOperations(now: UInt64, interval: UInt64) {
        while phase == .running, nextIntended <= now, let slot = freeSlots.popLast() {
            startOperation(slot: slot, at: nextIntended)
            nextIntended &+= interval
        }
    }

    private func startOperation(slot: Int, at time: UInt64) {
        send(plan.firstCall(random.next()), slot: slot, at: time, frame: nil)
    }

    private func send(_ kind: CallKind, slot: Int, at time: UInt64, frame: [UInt8]?) {
        busy[slot] = true
        kinds[slot] = kind
        startTimes[slot] = time
        if let frame {
            pendingOut.writeBytes(frame)
        } else {
            pendingOut.writeBytes(plan.frames[kind.rawValue][slot])
        }
    }

    private func flush(context: ChannelHandlerContext) {
        guard pendingOut.readableBytes > 0 else { return }
        context.writeAndFlush(wrapOutboundOut(pendingOut), promise: nil)
        pendingOut = context.channel.allocator.buffer(capacity: 4096)
    }

    // MARK: Receiving

    private func process(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) {
        while phase != .stopped {
            let length: Int
            do {
                guard let complete = try FrameDecoder.completeFrameLength(in: buffer, maxFrameSize: maxFrameSize) else { break }
                length = complete
            } catch {
                return fail("bad frame from the server: \(error.rpcError.message)", context: context)
            }
            let summary = buffer.withUnsafeReadableBytes { FrameScan.scan(UnsafeRawBufferPointer(rebasing: $0[4..<(4 + length)])) }
            let body = buffer.getSlice(at: buffer.readerIndex + 4, length: length)!
            buffer.moveReaderIndex(forwardBy: 4 + length)
            switch summary {
            case .response(let callID, let ok) where handshake && phase == .running:
                let slot = Int(truncatingIfNeeded: callID &- 1)
                guard slot >= 0, slot < plan.slots, busy[slot] else {
                    return fail("response to call \(callID), which is not outstanding", context: context)
                }
                if ok && kinds[slot] != .submit {
                    answered(slot: slot, code: nil, requestID: nil)
                } else {
                    answeredInFull(slot: slot, body, context: context)
                }
            case .request(let callID) where !handshake && phase == .running:
                let slot = Int(truncatingIfNeeded: callID &- 1)
                guard slot >= 0, slot < plan.slots, busy[slot] else {
                    return fail("echo of call \(callID), which is not outstanding", context: context)
                }
                answered(slot: slot, code: nil, requestID: nil)
            default:
                slowPath(body, context: context)
            }
        }
    }

    /// A response that needs decoding: a failure (for its code) or a SubmitRequest (for the request id).
    private func answeredInFull(slot: Int, _ body: ByteBuffer, context: ChannelHandlerContext) {
        guard let frame = try? Rpc_V1_Frame(buffer: body), case .response(let response) = frame.kind else {
            return fail("undecodable response from the server", context: context)
        }
        if let status = response.status, status.code != .ok {
            answered(slot: slot, code: status.code.description, requestID: nil)
        } else {
            let submitted = try? Client_V1_SubmitRequestResponse(serializedBytes: response.payload)
            answered(slot: slot, code: nil, requestID: submitted?.request?.id)
        }
    }

    /// Records the slot's call and sends what comes next on it.
    private func answered(slot: Int, code: String?, requestID: Int64?) {
        let now = MonotonicClock.nanoseconds()
        let kind = kinds[slot]
        if measuring {
            window.calls &+= 1
            _ = window.latency.record(min(now &- startTimes[slot], Self.highestLatency))
            if let code { window.errorsByCode[code, default: 0] &+= 1 }
        }
        progress.record(error: code != nil)
        busy[slot] = false
        // The write cycle goes on unless a step failed (then it starts over).
        if code == nil, kind == .submit, let requestID {
            return send(.accept, slot: slot, at: now, frame: plan.acceptFrame(slot: slot, requestID: requestID))
        }
        if code == nil, kind == .accept {
            return send(.disconnect, slot: slot, at: now, frame: nil)
        }
        if measuring, code == nil, kind != .submit { window.operations &+= 1 }
        guard phase == .running else { return }
        if let interval = intervalNanoseconds {
            freeSlots.append(slot)
            startDueOperations(now: now, interval: interval)
        } else {
            startOperation(slot: slot, at: now)
        }
    }

    private func slowPath(_ body: ByteBuffer, context: ChannelHandlerContext) {
        guard let frame = try? Rpc_V1_Frame(buffer: body) else {
            return fail("undecodable frame from the server", context: context)
        }
        switch frame.kind {
        case .helloAck(let ack) where phase == .handshaking:
            guard ack.protocolVersion == 1 else { return fail("server speaks protocol version \(ack.protocolVersion)", context: context) }
            start(context: context)
        case .goAway(let goAway):
            fail("GoAway \(goAway.status?.code.description ?? "-"): \(goAway.status?.message ?? "")", context: context)
        case .ping(let ping):
            var reply = RequestRing.pongFrame(opaque: ping.opaque)
            pendingOut.writeBuffer(&reply)
        case .response where phase == .stopped, .request where phase == .stopped:
            break
        default:
            fail("unexpected frame in phase \(phase): \(frame)", context: context)
        }
    }

    private func fail(_ reason: String, context: ChannelHandlerContext) {
        if failure == nil { failure = reason }
        ready.fail(LoadFailure(reason: reason))
        if phase != .stopped {
            phase = .stopped
            ticker?.cancel()
            context.close(promise: nil)
        }
    }
}
