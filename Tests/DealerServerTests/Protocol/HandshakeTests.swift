import DealerProtocol
import NIOCore
import Testing

@testable import DealerServer
import DealerTestSupport

@Suite("Connection handshake and protocol violations, over a real socket")
struct HandshakeTests {
    @Test("Hello is answered with HelloAck carrying the limits")
    func helloAck() async throws {
        try await withTestServer(configure: { $0.maxFrameSize = 1000; $0.maxInFlightCalls = 7 }) { server in
            let connection = try await server.connect()
            #expect(connection.serverInfo.protocolVersion == 1)
            #expect(connection.serverInfo.maxFrameSize == 1000)
            #expect(connection.serverInfo.maxInFlightCalls == 7)
            #expect(connection.serverInfo.serverName == "dealerd")
            await connection.close()
        }
    }

    @Test("a first frame that is not Hello gets GoAway(INVALID_ARGUMENT) and a close")
    func firstFrameNotHello() async throws {
        try await withTestServer { server in
            let raw = try await server.raw()
            try await raw.send(Rpc_V1_Frame(kind: .ping(Rpc_V1_Ping(opaque: 1))))
            let frames = await raw.frames.collectUntilClosed()
            #expect(frames.count == 1)
            guard case .goAway(let goAway) = frames.first?.kind else { Issue.record("expected GoAway"); return }
            #expect(goAway.status?.code == .invalidArgument)
            #expect(goAway.status?.reason == "HELLO_REQUIRED")
        }
    }

    @Test("an unsupported protocol version gets GoAway and a close")
    func unsupportedVersion() async throws {
        try await withTestServer { server in
            let raw = try await server.raw()
            try await raw.hello(version: 99)
            let frames = await raw.frames.collectUntilClosed()
            guard case .goAway(let goAway) = frames.first?.kind else { Issue.record("expected GoAway"); return }
            #expect(goAway.status?.reason == "UNSUPPORTED_VERSION")
            #expect(goAway.status?.code == .failedPrecondition)
        }
    }

    @Test("a length over the limit gets GoAway(RESOURCE_EXHAUSTED) from the 4 length bytes alone")
    func oversizeLength() async throws {
        try await withTestServer(configure: { $0.maxFrameSize = 1024 }) { server in
            let raw = try await server.raw()
            try await raw.hello()
            // Only the prefix is sent: the server must decide without the body.
            try await raw.send(bytes: [0x00, 0x10, 0x00, 0x00])
            let frames = await raw.frames.collectUntilClosed()
            let goAway = frames.compactMap { frame -> Rpc_V1_GoAway? in
                if case .goAway(let goAway) = frame.kind { return goAway }
                return nil
            }.first
            #expect(goAway?.status?.code == .resourceExhausted)
            #expect(goAway?.status?.reason == "FRAME_TOO_LARGE")
        }
    }

    @Test("a zero length and a frame that does not parse get GoAway(INVALID_ARGUMENT)", arguments: [
        [0x00, 0x00, 0x00, 0x00] as [UInt8],
        [0x00, 0x00, 0x00, 0x03, 0xFF, 0xFF, 0xFF],
    ])
    func garbage(bytes: [UInt8]) async throws {
        try await withTestServer { server in
            let raw = try await server.raw()
            try await raw.hello()
            try await raw.send(bytes: bytes)
            let frames = await raw.frames.collectUntilClosed()
            guard case .goAway(let goAway) = frames.last?.kind else { Issue.record("expected GoAway last"); return }
            #expect(goAway.status?.code == .invalidArgument)
            #expect(goAway.status?.reason == "MALFORMED_FRAME")
        }
    }

    @Test("a duplicate in-flight call id gets GoAway(INVALID_ARGUMENT)")
    func duplicateCallID() async throws {
        let gates = Gates()
        try await withTestServer(methods: TestMethods.table(gates: gates)) { server in
            let raw = try await server.raw()
            try await raw.hello()
            let request = Rpc_V1_Request(
                callID: 5, method: TestMethods.wait.path, payload: Health_V1_CheckRequest(service: "g").serializedBytes())
            try await raw.send(.request(request))
            await gates.arrived("g")
            try await raw.send(.request(request))
            let frames = await raw.frames.collectUntilClosed()
            let goAway = frames.compactMap { frame -> Rpc_V1_GoAway? in
                if case .goAway(let goAway) = frame.kind { return goAway }
                return nil
            }.first
            #expect(goAway?.status?.reason == "DUPLICATE_CALL_ID")
            #expect(goAway?.status?.code == .invalidArgument)
            #expect(goAway?.lastCallID == 5)
            gates.open("g")
        }
    }

    @Test("a connection that never sends Hello is closed after the handshake timeout")
    func handshakeTimeout() async throws {
        try await withTestServer(configure: { $0.handshakeTimeout = .milliseconds(100) }) { server in
            let raw = try await server.raw()
            let frames = await raw.frames.collectUntilClosed()
            guard case .goAway(let goAway) = frames.first?.kind else { Issue.record("expected GoAway"); return }
            #expect(goAway.status?.reason == "HANDSHAKE_TIMEOUT")
        }
    }

    @Test("an idle connection is closed after the idle timeout")
    func idleTimeout() async throws {
        try await withTestServer(configure: { $0.idleTimeout = .milliseconds(150) }) { server in
            let raw = try await server.raw()
            try await raw.hello()
            let frames = await raw.frames.collectUntilClosed()
            #expect(frames.count == 2)
            guard case .goAway(let goAway) = frames.last?.kind else { Issue.record("expected GoAway"); return }
            #expect(goAway.status?.reason == "IDLE_TIMEOUT")
        }
    }
}
