import DealerProtocol
import NIOCore
import NIOPosix

/// A bare TCP connection for sending hand-made bytes and reading the
/// server's frames back; `frames` finishes when the server closes.
public struct RawConnection: Sendable {
    public let channel: any Channel
    public let frames: AsyncStream<Rpc_V1_Frame>

    /// - Parameter reading: false makes a peer that never reads what the
    ///   server sends (no reads, a small socket receive buffer), so the
    ///   server's responses back up; `frames` then yields nothing.
    public static func connect(port: Int, reading: Bool = true) async throws -> RawConnection {
        let (frames, continuation) = AsyncStream.makeStream(of: Rpc_V1_Frame.self)
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        if !reading {
            bootstrap = bootstrap.channelOption(.autoRead, value: false)
                .channelOption(.socketOption(.so_rcvbuf), value: 64 * 1024)
        }
        let channel = try await bootstrap
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(FrameDecoder(maxFrameSize: 1 << 24)))
                    try channel.pipeline.syncOperations.addHandler(FrameCollector(continuation: continuation))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return RawConnection(channel: channel, frames: frames)
    }

    public func send(bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
    }

    public func send(_ frame: Rpc_V1_Frame) async throws {
        try await channel.writeAndFlush(frame.lengthPrefixed(allocator: channel.allocator))
    }

    /// Queues `frames` and flushes them without waiting for them to be
    /// sent: for a peer that sends more than the server reads.
    public func enqueue(_ frames: [Rpc_V1_Frame]) {
        for frame in frames {
            channel.write(frame.lengthPrefixed(allocator: channel.allocator), promise: nil)
        }
        channel.flush()
    }

    /// Sends `frames` in one write, so the server reads them together (one
    /// TCP segment on loopback) even when it stops reading after the first.
    public func send(_ frames: [Rpc_V1_Frame]) async throws {
        var buffer = channel.allocator.buffer(capacity: 256)
        for frame in frames { frame.writeLengthPrefixed(into: &buffer) }
        try await channel.writeAndFlush(buffer)
    }

    public func hello(version: UInt32 = 1) async throws {
        try await send(Rpc_V1_Frame(kind: .hello(Rpc_V1_Hello(protocolVersion: version, clientName: "raw"))))
    }

    /// Sends Hello and returns an iterator over the server's frames, past
    /// its HelloAck (which it checks).
    public func handshake() async throws -> AsyncStream<Rpc_V1_Frame>.Iterator {
        var iterator = frames.makeAsyncIterator()
        try await hello()
        guard case .helloAck = await iterator.next()?.kind else { throw HandshakeFailed() }
        return iterator
    }

    /// Sends a Request frame for `method` carrying `request`.
    public func call(
        _ callID: UInt64, _ method: String, _ request: some ProtoMessage = Health_V1_CheckRequest(), token: String = "",
        timeoutMs: UInt32 = 0
    ) async throws {
        try await send(
            .request(
                Rpc_V1_Request(
                    callID: callID, method: method, sessionToken: token, timeoutMs: timeoutMs,
                    payload: request.serializedBytes())))
    }

    public struct HandshakeFailed: Error {}

    public func close() async {
        try? await channel.close()
    }

    private final class FrameCollector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let continuation: AsyncStream<Rpc_V1_Frame>.Continuation

        init(continuation: AsyncStream<Rpc_V1_Frame>.Continuation) {
            self.continuation = continuation
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if let frame = try? Rpc_V1_Frame(buffer: unwrapInboundIn(data)) {
                continuation.yield(frame)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            continuation.finish()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

extension AsyncStream<Rpc_V1_Frame> {
    /// Every frame until the server closes the connection.
    public func collectUntilClosed() async -> [Rpc_V1_Frame] {
        var all: [Rpc_V1_Frame] = []
        for await frame in self { all.append(frame) }
        return all
    }
}
