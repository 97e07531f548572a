import DealerClient
import DealerProtocol
import NIOCore
import Testing

@testable import DealerServer
import DealerTestSupport

@Suite("Write backpressure: a peer that does not read its responses")
struct WriteBackpressureTests {
    static let responseSize = 64 * 1024
    static let maxInFlight = 4
    /// 64 MiB of responses in all, far more than the kernel's socket buffers take.
    static let requests = 1_000

    /// Sends Hello and Requests `callIDs` for `method` without reading anything back.
    static func flood(
        _ peer: RawConnection, hello: Bool = true, method: String, payload: [UInt8], callIDs: ClosedRange<UInt64>,
        token: String = ""
    ) {
        let calls = callIDs.map { callID in
            Rpc_V1_Frame.request(Rpc_V1_Request(callID: callID, method: method, sessionToken: token, payload: payload))
        }
        let greeting = Rpc_V1_Frame(kind: .hello(Rpc_V1_Hello(protocolVersion: 1, clientName: "never-reads")))
        peer.enqueue(hello ? [greeting] + calls : calls)
    }

    @Test(
        "the server stops reading it and buffers at most the high watermark plus the calls in flight; others are served",
        arguments: [TestMethods.bulk.path, TestMethods.bulkInline.path])
    func nonReadingPeer(method: String) async throws {
        let highWatermark = ServerConfiguration().writeBufferWaterMark.high
        try await withTestServer(methods: TestMethods.table(gates: Gates())) {
            $0.maxInFlightCalls = Self.maxInFlight
        } _: { server in
            let peer = try await server.raw(reading: false)
            let request = Health_V1_CheckRequest(service: "\(Self.responseSize)").serializedBytes()
            Self.flood(peer, method: method, payload: request, callIDs: 1...UInt64(Self.requests))

            let held = try #require(
                await server.firstConnectionLoad { $0.readHeld && !$0.outboundWritable && $0.callsInFlight == 0 })
            let responseFrame = Self.responseSize + 64
            #expect(held.peakBufferedOutboundBytes >= highWatermark)
            #expect(held.peakBufferedOutboundBytes <= highWatermark + (Self.maxInFlight + 1) * responseFrame)
            #expect(held.peakBufferedOutboundBytes < 16 << 20)
            // Calls accepted but waiting never ran: the server really held back.
            let callsStarted = held.lastAcceptedCallID - UInt64(held.callsWaiting)
            #expect(callsStarted < UInt64(Self.requests))

            let other = try await server.connect()
            #expect(try await other.call(Health_V1_Health.check, .init()).status == .serving)
            #expect(try await other.call(TestMethods.bulk, .init(service: "10")).service == "xxxxxxxxxx")
            await other.close()
            await peer.close()
        }
    }

    @Test("calls held back for a peer that never reads do not keep it open past the idle timeout")
    func nonReadingPeerGoesIdle() async throws {
        let gates = Gates()
        try await withTestServer(methods: TestMethods.table(gates: gates)) {
            $0.maxInFlightCalls = Self.maxInFlight
            $0.idleTimeout = .milliseconds(300)
        } _: { server in
            let peer = try await server.raw(reading: false)
            // Call 1 blocks on a gate, so the connection cannot go idle before the test has seen it held.
            let gate = Health_V1_CheckRequest(service: "idle").serializedBytes()
            Self.flood(peer, method: TestMethods.wait.path, payload: gate, callIDs: 1...1)
            // Alone on its worker: the calls below cannot queue behind it.
            await gates.arrived("idle")
            let request = Health_V1_CheckRequest(service: "\(Self.responseSize)").serializedBytes()
            Self.flood(
                peer, hello: false, method: TestMethods.bulk.path, payload: request, callIDs: 2...UInt64(Self.requests))
            let held = try #require(
                await server.firstConnectionLoad { !$0.outboundWritable && $0.callsWaiting > 0 && $0.callsInFlight == 1 })
            #expect(held.readHeld)
            gates.open("idle")
            #expect(try await server.allConnectionsClosed())
            await peer.close()
        }
    }

    @Test("10,000 pipelined ListUsers from a peer that never reads: the server's buffer for it stays bounded")
    func listUsersFlood() async throws {
        let configuration = ServerConfiguration()
        let requests = 10_000
        try await withServicesTestServer { server in
            let connection = try await server.connect()
            let admin = try await connection.signUpAndLogin(name: "Flood", login: "flood-admin")
            for index in 0..<30 {
                let login = "user-\(index)-" + String(repeating: "u", count: 50)
                _ = try await connection.call(
                    Auth_V1_AuthService.createUser, .init(login: login, password: "plain password"), token: admin.token)
            }
            let page = try await connection.call(Auth_V1_AuthService.listUsers, .init(pageSize: 500), token: admin.token)
            let responseFrame = page.serializedBytes().count + 64
            // Answered in full, the flood would queue more than 16 MiB.
            #expect(requests * (responseFrame - 64) > 16 << 20)

            let peer = try await server.raw(reading: false)
            Self.flood(
                peer, method: Auth_V1_AuthService.listUsers.path,
                payload: Auth_V1_ListUsersRequest(pageSize: 500).serializedBytes(), callIDs: 1...UInt64(requests),
                token: admin.token)

            let held = try #require(
                await server.firstConnectionLoad { $0.readHeld && !$0.outboundWritable && $0.callsInFlight == 0 })
            #expect(
                held.peakBufferedOutboundBytes
                    <= configuration.writeBufferWaterMark.high + (configuration.maxInFlightCalls + 1) * responseFrame)
            #expect(held.peakBufferedOutboundBytes < 16 << 20)
            #expect(held.lastAcceptedCallID - UInt64(held.callsWaiting) < UInt64(requests))

            #expect(try await connection.call(Auth_V1_AuthService.listUsers, .init(), token: admin.token).users.count == 31)
            await connection.close()
            await peer.close()
        }
    }
}
