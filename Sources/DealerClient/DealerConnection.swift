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
public final class DealerConnection: Sendable {
    /// What the server announced in its HelloAck.
    public let serverInfo: Rpc_V1_HelloAck

    private let channel: any Channel
    private let nextCallID = Atomic<UInt64>(0)

    private init(channel: any Channel, serverInfo: Rpc_V1_HelloAck) {
        self.channel = channel
        self.serverInfo = serverInfo
    }

    /// Connects and completes the Hello handshake.
    public static func connect(
        host: String,
        port: Int,
        clientName: String = "dealer-swift-client",
        maxFrameSize: Int = 64 * 1024 * 1024,
        connectTimeout: TimeAmount = .seconds(10),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> DealerConnection {
        let helloAck = eventLoopGroup.any().makePromise(of: Rpc_V1_HelloAck.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: helloAck.futureResult.eventLoop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(connectTimeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(FrameDecoder(maxFrameSize: maxFrameSize)))
                        try channel.pipeline.syncOperations.addHandler(ClientConnectionHandler(helloAck: helloAck))
                    }
                }
                .connect(host: host, port: port)
                .get()
        } catch {
            helloAck.fail(error)
            throw RPCError(.unavailable, .connectionClosed, "cannot connect to \(host):\(port): \(error)")
        }
        let hello = Rpc_V1_Frame(
            kind: .hello(Rpc_V1_Hello(protocolVersion: Rpc_V1_Frame.protocolVersion, clientName: clientName)))
        do {
            try await channel.writeAndFlush(ClientOutbound.frame(hello.lengthPrefixed(allocator: channel.allocator)))
        } catch {
            // The server closed the connection at once (e.g. over its connection limits).
            helloAck.fail(error)
            throw RPCError(.unavailable, .connectionClosed, "\(host):\(port) closed the connection before the handshake")
        }
        let timeout = channel.eventLoop.scheduleTask(in: connectTimeout) {
            helloAck.fail(RPCError(.unavailable, .handshakeTimeout, "no HelloAck from \(host):\(port)"))
        }
        defer { timeout.cancel() }
        do {
            return DealerConnection(channel: channel, serverInfo: try await helloAck.futureResult.get())
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
        let callID = nextCallID.add(1, ordering: .relaxed).newValue
        let timeoutAmount = timeout.map { TimeAmount.nanoseconds(Int64($0.components.seconds) * 1_000_000_000 + $0.components.attoseconds / 1_000_000_000) }
        let timeoutMs = timeoutAmount.map { UInt32(clamping: max(1, $0.nanoseconds / 1_000_000)) } ?? 0
        let frame = Rpc_V1_Frame.request(
            Rpc_V1_Request(
                callID: callID, method: method.path, sessionToken: token, timeoutMs: timeoutMs,
                payload: request.serializedBytes()))
        let response = channel.eventLoop.makePromise(of: Rpc_V1_Response.self)
        channel.writeAndFlush(
            ClientOutbound.call(
                callID: callID, frame: frame.lengthPrefixed(allocator: channel.allocator), timeout: timeoutAmount,
                response: response)
        ).whenFailure { _ in
            // The handler never saw the call: the channel was already closed.
            response.fail(RPCError(.unavailable, .connectionClosed, "the connection to the server is closed"))
        }
        let answer = try await withTaskCancellationHandler {
            try await response.futureResult.get()
        } onCancel: {
            channel.writeAndFlush(ClientOutbound.cancel(callID: callID), promise: nil)
        }
        if let error = answer.error { throw error }
        do {
            return try Response(serializedBytes: answer.payload)
        } catch {
            throw RPCError(.internal, .badPayload, "the response is not a valid \(Response.protoMessageName): \(error)")
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
}
