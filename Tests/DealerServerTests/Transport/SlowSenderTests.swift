import DealerProtocol
import NIOCore
import Testing

@testable import DealerServer
import DealerTestSupport

@Suite("Frame receive deadline and idle timeout against a peer trickling bytes")
struct SlowSenderTests {
    /// A Health/Check frame of about 4 KB: a trickle never completes it within a test.
    static let largeFrame: [UInt8] = {
        let request = Rpc_V1_Request(
            callID: 1, method: Health_V1_Health.check.path,
            payload: Health_V1_CheckRequest(service: String(repeating: "s", count: 4_000)).serializedBytes())
        return Array(buffer: Rpc_V1_Frame.request(request).lengthPrefixed(allocator: ByteBufferAllocator()))
    }()

    /// Sends `bytes` one at a time, paced, until all are sent, the task is cancelled or the connection fails.
    static func trickle(_ bytes: [UInt8], to raw: RawConnection) async {
        for byte in bytes {
            do {
                try await raw.send(bytes: [byte])
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                return
            }
        }
    }

    /// Handshakes, trickles `largeFrame` and returns every frame the server sent until it closed.
    static func framesWhileTrickling(_ server: TestServer) async throws -> [Rpc_V1_Frame] {
        let raw = try await server.raw()
        var frames = try await raw.handshake()
        return await withTaskGroup(of: Void.self) { group in
            group.addTask { await trickle(largeFrame, to: raw) }
            var received: [Rpc_V1_Frame] = []
            while let frame = await frames.next() { received.append(frame) }
            group.cancelAll()
            return received
        }
    }

    struct Timeouts: Sendable, CustomTestStringConvertible {
        var frameReceive: TimeAmount
        var idle: TimeAmount
        var expected: RPCError.Reason
        var testDescription: String { "\(expected)" }
    }

    @Test(
        "a frame trickled in byte by byte is closed at its receive deadline, and partial bytes are no idle activity",
        arguments: [
            Timeouts(frameReceive: .milliseconds(300), idle: .seconds(600), expected: .receiveTimeout),
            Timeouts(frameReceive: .seconds(600), idle: .milliseconds(300), expected: .idleTimeout),
        ])
    func trickleIsClosed(timeouts: Timeouts) async throws {
        try await withTestServer {
            $0.frameReceiveTimeout = timeouts.frameReceive
            $0.idleTimeout = timeouts.idle
        } _: { server in
            let frames = try await Self.framesWhileTrickling(server)
            // The GoAway and nothing else: the frame never completed.
            #expect(frames.count == 1)
            guard case .goAway(let goAway) = frames.first?.kind else { Issue.record("expected GoAway"); return }
            #expect(goAway.status?.code == .unavailable)
            #expect(goAway.status?.reason == timeouts.expected.rawValue)
        }
    }

    @Test("a frame sent whole is answered under a short receive deadline")
    func wholeFramesPass() async throws {
        try await withTestServer { $0.frameReceiveTimeout = .milliseconds(300) } _: { server in
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            try await raw.send(bytes: Self.largeFrame)
            guard case .response(let response) = await frames.next()?.kind else { Issue.record("expected a Response"); return }
            #expect(response.callID == 1)
            await raw.close()
        }
    }
}
