import DealerProtocol
import NIOCore
import NIOPosix
import Synchronization

/// One connection to a dealer server, multiplexing many concurrent calls.
///
/// ```swift
/// let connection = try await DealerConnection.connect(host: "127.0.0.1", port: 7420)
/// let login = try await connection.call(Auth_V1_AuthService.login, .init(login: "a", password: "…"))
/// let me = try await connection.call(Auth_V1_AuthService.whoAmI, .init(), token: login.token)
/// ```
///
/// Failed calls throw `RPCError` (code, stable reason, message). When the
/// connection drops, every pending call fails with UNAVAILABLE.
///
/// It honours the server's HelloAck: a request larger than `max_frame_size`
/// fails alone with RESOURCE_EXHAUSTED `REQUEST_TOO_LARGE` before anything is
/// sent, and calls beyond `max_in_flight_calls` wait in a local queue. For
/// reconnects, retries, keepalive and a token provider use `DealerClientPool`,
/// which is built on this type.
public final class DealerConnection: Sendable {
    /// Keepalive settings: Ping an idle connection before the server's idle
    /// timeout (a third of `HelloAck.idle_timeout_ms`), and close it when the
    /// Pong does not come back within `timeout`.
    public struct Keepalive: Sendable, Hashable {
        /// How long a keepalive Ping may wait for its Pong before the
        /// connection is considered dead and closed.
        public var timeout: TimeAmount
        /// The Ping interval when the server announces no idle timeout; nil
        /// sends no keepalive then.
        public var intervalWithoutAnnouncement: TimeAmount?

        public init(timeout: TimeAmount = .seconds(20), intervalWithoutAnnouncement: TimeAmount? = nil) {
            self.timeout = timeout
            self.intervalWithoutAnnouncement = intervalWithoutAnnouncement
        }
    }

    /// What the server announced in its HelloAck.
    public let serverInfo: Rpc_V1_HelloAck

    private let channel: any Channel
    private let state: ConnectionState
    private let nextCallID = Atomic<UInt64>(0)
    private let submissions = CallSubmissionQueue()

    private init(channel: any Channel, serverInfo: Rpc_V1_HelloAck, state: ConnectionState) {
        self.channel = channel
        self.serverInfo = serverInfo
        self.state = state
    }

    /// Connects and completes the Hello handshake.
    ///
    /// - Parameters:
    ///   - maxFrameSize: the largest frame accepted from the server.
    ///   - connectTimeout: bounds the TCP connect, then the TLS and Hello
    ///     handshakes together.
    ///   - keepalive: nil (the default) sends no keepalive Pings.
    ///   - tls: nil (the default) connects over plain TCP.
    /// - Throws: `RPCError` UNAVAILABLE when the server cannot be reached or
    ///   the handshake fails (`TLS_HANDSHAKE_FAILED` for TLS);
    ///   `DealerTLS.ConfigurationError` when `tls` cannot be loaded.
    public static func connect(
        host: String,
        port: Int,
        clientName: String = "dealer-swift-client",
        maxFrameSize: Int = 64 * 1024 * 1024,
        connectTimeout: TimeAmount = .seconds(10),
        keepalive: Keepalive? = nil,
        tls: DealerTLS? = nil,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> DealerConnection {
        try await connect(
            host: host, port: port, clientName: clientName, maxFrameSize: maxFrameSize,
            connectTimeout: connectTimeout, keepalive: keepalive, tls: try tls.map(LoadedTLS.init),
            eventLoopGroup: eventLoopGroup)
    }

    /// `connect` with the TLS certificates already loaded (a pool loads them once).
    static func connect(
        host: String,
        port: Int,
        clientName: String,
        maxFrameSize: Int,
        connectTimeout: TimeAmount,
        keepalive: Keepalive?,
        tls: LoadedTLS?,
        eventLoopGroup: any EventLoopGroup
    ) async throws -> DealerConnection {
        let helloAck = eventLoopGroup.any().makePromise(of: Rpc_V1_HelloAck.self)
        let state = ConnectionState(eventLoop: helloAck.futureResult.eventLoop)
        let hello = Rpc_V1_Frame(
            kind: .hello(Rpc_V1_Hello(protocolVersion: Rpc_V1_Frame.protocolVersion, clientName: clientName)))
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: helloAck.futureResult.eventLoop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(connectTimeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            try channel.pipeline.syncOperations.addHandler(tls.makeHandler(host: host))
                        }
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(FrameDecoder(maxFrameSize: maxFrameSize)))
                        try channel.pipeline.syncOperations.addHandler(
                            ClientConnectionHandler(hello: hello, helloAck: helloAck, state: state, keepalive: keepalive))
                    }
                }
                .connect(host: host, port: port)
                .get()
        } catch {
            helloAck.fail(error)
            state.markUnusable()
            throw RPCError(.unavailable, .connectionClosed, "cannot connect to \(host):\(port): \(error)")
        }
        let timeout = channel.eventLoop.scheduleTask(in: connectTimeout) {
            helloAck.fail(RPCError(.unavailable, .handshakeTimeout, "no HelloAck from \(host):\(port)"))
        }
        defer { timeout.cancel() }
        do {
            return DealerConnection(channel: channel, serverInfo: try await helloAck.futureResult.get(), state: state)
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Calls `method` and waits for its response.
    ///
    /// - Parameters:
    ///   - token: the session token from Login, or empty.
    ///   - timeout: sent to the server as the call's deadline; the call also
    ///     fails locally with DEADLINE_EXCEEDED when it passes.
    /// - Throws: `RPCError`. Cancelling the task sends Cancel and throws CANCELLED.
    public func call<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ request: Request,
        token: String = "",
        timeout: Duration? = nil
    ) async throws -> Response {
        do {
            return try await attempt(method, request, token: token, timeout: timeout)
        } catch let unsent as UnsentCallError {
            throw unsent.error
        }
    }

    /// One attempt of a call. Throws `UnsentCallError` when the call provably
    /// never ran (refused before sending, queued, or above a GoAway's
    /// last_call_id), else `RPCError`.
    func attempt<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ request: Request,
        token: String,
        timeout: Duration?
    ) async throws -> Response {
        let callID = nextCallID.add(1, ordering: .relaxed).newValue
        let timeoutAmount = timeout.map(timeAmount)
        let timeoutMs = timeoutAmount.map { UInt32(clamping: max(1, $0.nanoseconds / 1_000_000)) } ?? 0
        var bytes = ByteBuffer()
        FrameEnvelope.writeRequest(
            callID: callID, method: method.path, sessionToken: token, timeoutMs: timeoutMs, message: request,
            into: &bytes)
        let limit = Int(serverInfo.maxFrameSize)
        if limit > 0 && bytes.readableBytes - 4 > limit {
            throw RPCError(
                .resourceExhausted, .requestTooLarge,
                "the request frame is \(bytes.readableBytes - 4) bytes; the server accepts at most \(limit)")
        }
        state.callStarted()
        defer { state.callEnded() }
        let response = channel.eventLoop.makePromise(of: ResponseEnvelope.self)
        submit(CallSubmissionQueue.Submission(callID: callID, frame: bytes, timeout: timeoutAmount, response: response))
        let channel = self.channel
        let answer = try await withTaskCancellationHandler {
            try await response.futureResult.get()
        } onCancel: {
            channel.writeAndFlush(ClientOutbound.cancel(callID: callID), promise: nil)
        }
        if let error = answer.error { throw error }
        do {
            return try Response(buffer: answer.payload)
        } catch {
            throw RPCError(.internal, .badPayload, "the response is not a valid \(Response.protoMessageName): \(error)")
        }
    }

    /// Hands a call to the event loop, together with the calls other tasks
    /// submit before the loop gets to it (`CallSubmissionQueue`).
    private func submit(_ submission: CallSubmissionQueue.Submission) {
        guard submissions.append(submission) else { return }
        let channel = self.channel
        let submissions = self.submissions
        channel.eventLoop.execute {
            let calls = submissions.takeAll()
            let handedOver = channel.eventLoop.makePromise(of: Void.self)
            channel.writeAndFlush(ClientOutbound.calls(calls), promise: handedOver)
            handedOver.futureResult.whenFailure { _ in
                // The handler never saw the calls: the channel was already closed.
                let error = RPCError(.unavailable, .connectionClosed, "the connection to the server is closed")
                for call in calls { call.response.fail(UnsentCallError(error: error)) }
            }
        }
    }

    /// Sends Ping and waits for the matching Pong.
    public func ping() async throws {
        let pong = channel.eventLoop.makePromise(of: Void.self)
        let opaque = UInt64.random(in: 1...UInt64.max)
        channel.writeAndFlush(ClientOutbound.ping(opaque: opaque, pong: pong)).whenFailure { _ in
            pong.fail(RPCError(.unavailable, .connectionClosed, "the connection to the server is closed"))
        }
        try await pong.futureResult.get()
    }

    /// True until the connection closes.
    public var isActive: Bool { channel.isActive }

    /// Closes the connection; pending calls fail with UNAVAILABLE.
    public func close() async {
        try? await channel.close()
    }

    /// Completes when the connection has closed, for whatever reason.
    public func waitUntilClosed() async {
        try? await channel.closeFuture.get()
    }

    /// False once the connection takes no new calls: after a GoAway, `drain()`
    /// or close.
    public var isUsable: Bool { state.isUsable }

    /// Calls started on this connection and not finished yet (sent or queued).
    public var outstandingCalls: Int { state.outstandingCalls }

    /// Keepalive Pongs received so far (0 without keepalive).
    public var keepalivePongsReceived: Int { state.keepalivePongs }

    /// Takes no new calls (they fail with UNAVAILABLE `CONNECTION_CLOSED`),
    /// lets the outstanding ones finish, then closes; returns once closed.
    public func drain() async {
        channel.writeAndFlush(ClientOutbound.drain, promise: nil)
        await waitUntilClosed()
    }

    /// Completes once the connection takes no new calls (GoAway, drain or close).
    func waitUntilUnusable() async {
        try? await state.unusable.futureResult.get()
    }
}
