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
            // The keepalive Ping did reach the server (it was sent, not just
            // timed out locally). The server reads it before the close, so
            // once it has seen the close the count is final (bounded polling:
            // the loaded server's loop may lag the client's).
            var polls = 0
            while server.closedConnections() < 1 && polls < 3000 {
                try await Task.sleep(for: .milliseconds(10))
                polls += 1
            }
            #expect(server.closedConnections() == 1)
            #expect(server.pingsReceived() >= 1)
        }
    }
}

/// A server that completes the handshake and then never answers anything.
private struct SilentServer: Sendable {
    let port: Int
    let pings: EventCounter
    let closed: EventCounter

    func pingsReceived() -> Int { pings.count }
    func closedConnections() -> Int { closed.count }
}

private func withSilentServer(
    idleTimeoutMs: UInt32,
    _ body: (SilentServer) async throws -> Void
) async throws {
    let pings = EventCounter()
    let closed = EventCounter()
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelInitializer { child in
            child.eventLoop.makeCompletedFuture {
                try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameSize: 1 << 20)))
                try child.pipeline.syncOperations.addHandler(SilentHandler(idleTimeoutMs: idleTimeoutMs, pings: pings, closed: closed))
            }
        }
        .bind(host: "127.0.0.1", port: 0)
        .get()
    do {
        try await body(SilentServer(port: channel.localAddress!.port!, pings: pings, closed: closed))
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
    private let pings: EventCounter
    private let closed: EventCounter

    init(idleTimeoutMs: UInt32, pings: EventCounter, closed: EventCounter) {
        self.idleTimeoutMs = idleTimeoutMs
        self.pings = pings
        self.closed = closed
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed.increment()
        context.fireChannelInactive()
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

/// A counter shared between the server's event loop and the test.
private final class EventCounter: Sendable {
    private let value = Mutex(0)
    var count: Int { value.withLock { $0 } }
    func increment() { value.withLock { $0 += 1 } }
}
