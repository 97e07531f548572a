import DealerClient
import DealerProtocol
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// The other half of keepalive: a server that stops answering Pings (a dead
/// peer, a black-holed path) is dropped, and the calls waiting on it fail.
@Suite("Keepalive: a connection whose Pong does not come back is dropped", .timeLimit(.minutes(2)))
struct KeepaliveTimeoutTests {
    @Test("no Pong within the keepalive timeout: the connection closes and its pending call fails UNAVAILABLE")
    func missingPongClosesTheConnection() async throws {
        try await withSilentServer(idleTimeoutMs: 300) { server in
            let connection = try await DealerConnection.connect(
                host: "127.0.0.1", port: server.port,
                keepalive: DealerConnection.Keepalive(timeout: .milliseconds(200)))
            // The server answers Hello but nothing else, so this call stays
            // pending until keepalive gives the connection up.
            let error = await #expect(throws: RPCError.self) {
                _ = try await connection.call(Health_V1_Health.check, .init(), timeout: .seconds(600))
            }
            #expect(error?.code == .unavailable)
            #expect(error?.reason == .connectionClosed)
            await connection.waitUntilClosed()
            #expect(!connection.isActive)
            #expect(connection.keepalivePongsReceived == 0)
            // The keepalive Ping did reach the server (it was sent, not
            // just timed out locally).
            #expect(server.pingsReceived() >= 1)
        }
    }
}

/// A server that completes the handshake and then never answers anything.
private struct SilentServer: Sendable {
    let port: Int
    let pings: PingCounter

    func pingsReceived() -> Int { pings.count }
}

private func withSilentServer(
    idleTimeoutMs: UInt32,
    _ body: (SilentServer) async throws -> Void
) async throws {
    let pings = PingCounter()
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelInitializer { child in
            child.eventLoop.makeCompletedFuture {
                try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameSize: 1 << 20)))
                try child.pipeline.syncOperations.addHandler(SilentHandler(idleTimeoutMs: idleTimeoutMs, pings: pings))
            }
        }
        .bind(host: "127.0.0.1", port: 0)
        .get()
    do {
        try await body(SilentServer(port: channel.localAddress!.port!, pings: pings))
    } catch {
        try? await channel.close()
        throw error
    }
    try await channel.close()
}

private final class SilentHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let idleTimeoutMs: UInt32
    private let pings: PingCounter

    init(idleTimeoutMs: UInt32, pings: PingCounter) {
        self.idleTimeoutMs = idleTimeoutMs
        self.pings = pings
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let frame = try? Rpc_V1_Frame(buffer: unwrapInboundIn(data)) else { return }
        switch frame.kind {
        case .hello:
            var ack = Rpc_V1_HelloAck()
            ack.protocolVersion = Rpc_V1_Frame.protocolVersion
            ack.maxFrameSize = 1 << 20
            ack.maxInFlightCalls = 16
            ack.idleTimeoutMs = idleTimeoutMs
            let reply = Rpc_V1_Frame(kind: .helloAck(ack))
            context.writeAndFlush(wrapOutboundOut(reply.lengthPrefixed(allocator: context.channel.allocator)), promise: nil)
        case .ping:
            pings.increment()
        default:
            break
        }
    }
}

private final class PingCounter: Sendable {
    private let value = Mutex(0)
    var count: Int { value.withLock { $0 } }
    func increment() { value.withLock { $0 += 1 } }
}
