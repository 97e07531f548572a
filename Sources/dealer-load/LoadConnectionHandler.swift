import DealerProtocol
import NIOCore

/// One pipelining load connection: keeps exactly `inFlight` request frames
/// outstanding, sending the next pre-encoded frame whenever a response frame
/// arrives. Responses are counted from the 4-byte length prefix and a few
/// header bytes (FrameScan); only the HelloAck and the first response are
/// decoded. Replies are batched into one write + flush per socket read.
final class LoadConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Mode: String, Sendable {
        /// dealerd: Hello handshake, Health/Check calls, Response frames back.
        case health
        /// The raw echo server: no handshake, the request frames come back unchanged.
        case echo
    }

    /// Counters over a measured window, taken on the channel's event loop.
    struct Snapshot: Sendable {
        var responses: UInt64 = 0
        var errors: UInt64 = 0
        var unmatched: UInt64 = 0
        var nanoseconds: UInt64 = 0
        var latency = LatencyHistogram()
        var failure: String?
    }

    private enum Phase {
        case connecting, handshaking, running, stopped
    }

    private let mode: Mode
    private let inFlight: Int
    private let ring: RequestRing
    private let ready: EventLoopPromise<Void>
    private let maxFrameSize = 16 << 20

    private var phase = Phase.connecting
    private var outstanding: [Bool]
    private var sendTimes: [UInt64]
    private var outstandingCount = 0
    private var cursor = 0
    private var cumulation = InboundCumulation()
    private var pendingOut = ByteBuffer()
    private var verifiedFirstResponse = false

    private var responses: UInt64 = 0
    private var errors: UInt64 = 0
    private var unmatched: UInt64 = 0
    private var latency = LatencyHistogram()
    private var failure: String?
    private var windowStart: (time: UInt64, responses: UInt64, errors: UInt64, unmatched: UInt64) = (0, 0, 0, 0)

    init(mode: Mode, inFlight: Int, ring: RequestRing, ready: EventLoopPromise<Void>) {
        precondition(inFlight >= 1 && inFlight <= ring.size, "in-flight must be 1...\(ring.size)")
        self.mode = mode
        self.inFlight = inFlight
        self.ring = ring
        self.ready = ready
        self.outstanding = [Bool](repeating: false, count: ring.size)
        self.sendTimes = [UInt64](repeating: 0, count: ring.size)
    }

    // MARK: Measurement control (called on the event loop by RunCommand)

    func beginMeasurement() {
        windowStart = (MonotonicClock.nanoseconds(), responses, errors, unmatched)
        latency = LatencyHistogram()
    }

    func endMeasurement() -> Snapshot {
        let now = MonotonicClock.nanoseconds()
        phase = .stopped
        return Snapshot(
            responses: responses - windowStart.responses, errors: errors - windowStart.errors,
            unmatched: unmatched - windowStart.unmatched, nanoseconds: now - windowStart.time,
            latency: latency, failure: failure)
    }

    // MARK: Channel events

    func channelActive(context: ChannelHandlerContext) {
        pendingOut = context.channel.allocator.buffer(capacity: 4096)
        switch mode {
        case .health:
            phase = .handshaking
            context.writeAndFlush(wrapOutboundOut(RequestRing.helloFrame(clientName: "dealer-load")), promise: nil)
        case .echo:
            startPipelining(context: context)
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
        flushPending(context: context)
    }

    // MARK: Hot path

    private func process(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) {
        let now = MonotonicClock.nanoseconds()
        while phase != .stopped {
            let length: Int
            do {
                guard let complete = try FrameDecoder.completeFrameLength(in: buffer, maxFrameSize: maxFrameSize) else { break }
                length = complete
            } catch {
                return fail("bad frame from the server: \(error.rpcError.message)", context: context)
            }
            let summary = buffer.withUnsafeReadableBytes { FrameScan.scan(UnsafeRawBufferPointer(rebasing: $0[4..<(4 + length)])) }
            let callID: UInt64
            switch summary {
            case .response(let id, let ok) where mode == .health && phase == .running && verifiedFirstResponse:
                if !ok { errors &+= 1 }
                callID = id
            case .request(let id) where mode == .echo && phase == .running && verifiedFirstResponse:
                callID = id
            default:
                // HelloAck, GoAway, Ping, the first response (decoded once to check it), or garbage.
                let body = buffer.getSlice(at: buffer.readerIndex + 4, length: length)!
                buffer.moveReaderIndex(forwardBy: 4 + length)
                handleSlowPath(body, context: context)
                continue
            }
            buffer.moveReaderIndex(forwardBy: 4 + length)
            countResponse(callID: callID, now: now)
        }
    }

    @inline(__always)
    private func countResponse(callID: UInt64, now: UInt64) {
        responses &+= 1
        let slot = Int(truncatingIfNeeded: callID &- 1)
        if slot >= 0, slot < ring.size, outstanding[slot] {
            outstanding[slot] = false
            outstandingCount -= 1
            latency.record(now &- sendTimes[slot])
        } else {
            unmatched &+= 1
        }
        while phase == .running, outstandingCount < inFlight { enqueueNext(now: now) }
    }

    @inline(__always)
    private func enqueueNext(now: UInt64) {
        while outstanding[cursor] {
            cursor = cursor + 1 == ring.size ? 0 : cursor + 1
        }
        let slot = cursor
        cursor = cursor + 1 == ring.size ? 0 : cursor + 1
        outstanding[slot] = true
        outstandingCount += 1
        sendTimes[slot] = now
        let offset = ring.offsets[slot]
        let length = ring.lengths[slot]
        _ = ring.bytes.withUnsafeBytes { pendingOut.writeBytes(UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + length)])) }
    }

    private func flushPending(context: ChannelHandlerContext) {
        guard pendingOut.readableBytes > 0 else { return }
        context.writeAndFlush(wrapOutboundOut(pendingOut), promise: nil)
        pendingOut = context.channel.allocator.buffer(capacity: 4096)
    }

    private func startPipelining(context: ChannelHandlerContext) {
        phase = .running
        ready.succeed()
        let now = MonotonicClock.nanoseconds()
        while outstandingCount < inFlight { enqueueNext(now: now) }
        flushPending(context: context)
    }

    // MARK: Slow path: full decodes

    private func handleSlowPath(_ body: ByteBuffer, context: ChannelHandlerContext) {
        let frame: Rpc_V1_Frame
        do {
            frame = try Rpc_V1_Frame(buffer: body)
        } catch {
            return fail("undecodable frame from the server: \(error)", context: context)
        }
        switch frame.kind {
        case .response(let response) where mode == .health && phase == .running && !verifiedFirstResponse:
            if verifyFirstResponse(frame, context: context) { countResponse(callID: response.callID, now: MonotonicClock.nanoseconds()) }
        case .request(let request) where mode == .echo && phase == .running && !verifiedFirstResponse:
            if verifyFirstResponse(frame, context: context) { countResponse(callID: request.callID, now: MonotonicClock.nanoseconds()) }
        case .helloAck(let ack) where phase == .handshaking:
            guard ack.protocolVersion == 1 else {
                return fail("server speaks protocol version \(ack.protocolVersion)", context: context)
            }
            startPipelining(context: context)
        case .goAway(let goAway):
            fail("GoAway \(goAway.status?.code.description ?? "-"): \(goAway.status?.message ?? "")", context: context)
        case .ping(let ping):
            var reply = RequestRing.pongFrame(opaque: ping.opaque)
            pendingOut.writeBuffer(&reply)
        default:
            fail("unexpected frame in phase \(phase): \(frame)", context: context)
        }
    }

    /// Checks the first response of the connection in full; false (and the
    /// connection failed) when it is not what the mode expects.
    private func verifyFirstResponse(_ frame: Rpc_V1_Frame, context: ChannelHandlerContext) -> Bool {
        verifiedFirstResponse = true
        switch frame.kind {
        case .response(let response):
            if let status = response.status, status.code != .ok {
                fail("first response: \(status.code) \(status.reason) \(status.message)", context: context)
                return false
            }
            guard let check = try? Health_V1_CheckResponse(serializedBytes: response.payload), check.status == .serving
            else {
                fail("first response: not a SERVING health.v1.CheckResponse", context: context)
                return false
            }
            return true
        case .request(let request):
            guard request.method == Health_V1_Health.check.path else {
                fail("first echoed frame differs from the request", context: context)
                return false
            }
            return true
        default:
            return false
        }
    }

    private func fail(_ reason: String, context: ChannelHandlerContext) {
        if failure == nil { failure = reason }
        ready.fail(LoadFailure(reason: reason))
        if phase != .stopped {
            phase = .stopped
            context.close(promise: nil)
        }
    }
}
