import DealerProtocol
import Testing

import DealerTestSupport

/// Strings with U+0000 or invalid UTF-8, written byte by byte (not by our
/// encoder), over the real protocol.
@Suite("Invalid strings on the wire, over a real socket")
struct StringFieldCallTests {
    /// A length-delimited field: key (field number, wire type 2), length, bytes.
    private func field(_ number: UInt8, _ bytes: [UInt8]) -> [UInt8] {
        precondition(number < 16 && bytes.count < 128)
        return [number << 3 | 2, UInt8(bytes.count)] + bytes
    }

    @Test(
        "a request string holding U+0000 or invalid UTF-8 answers INVALID_ARGUMENT / INVALID_STRING naming the field",
        arguments: [[0x61, 0x00, 0x62], [0xFF]] as [[UInt8]])
    func invalidStringInPayload(_ service: [UInt8]) async throws {
        try await withTestServer { server in
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            // CheckRequest{service: <bytes>}, by hand.
            let payload = field(1, service)
            try await raw.send(.request(Rpc_V1_Request(callID: 1, method: Health_V1_Health.check.path, payload: payload)))
            guard case .response(let response) = await frames.next()?.kind else {
                Issue.record("expected a Response")
                return
            }
            #expect(response.callID == 1)
            #expect(response.status?.code == .invalidArgument)
            #expect(response.status?.reason == RPCError.Reason.invalidString.rawValue)
            #expect(response.status?.message.contains("health.v1.CheckRequest.service") == true)
            #expect(response.payload.isEmpty)

            // The connection stays usable.
            try await raw.call(2, Health_V1_Health.check.path)
            guard case .response(let ok) = await frames.next()?.kind else {
                Issue.record("expected a Response")
                return
            }
            #expect(ok.callID == 2)
            #expect(ok.error == nil)
            await raw.close()
        }
    }

    @Test("an envelope string holding U+0000 (Request.method) is a malformed frame: GoAway naming the field, then close")
    func invalidStringInEnvelope() async throws {
        try await withTestServer { server in
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            // Frame{request: Request{call_id: 1, method: "/health.v1.Health/Check\0x"}}, by hand.
            let request: [UInt8] = [0x08, 0x01] + field(2, Array(Health_V1_Health.check.path.utf8) + [0x00, 0x78])
            let body = field(3, request)
            try await raw.send(bytes: [0, 0, 0, UInt8(body.count)] + body)
            var rest: [Rpc_V1_Frame] = []
            while let frame = await frames.next() { rest.append(frame) }
            #expect(rest.count == 1)
            guard case .goAway(let goAway) = rest.first?.kind else {
                Issue.record("expected GoAway")
                return
            }
            #expect(goAway.status?.code == .invalidArgument)
            #expect(goAway.status?.reason == RPCError.Reason.malformedFrame.rawValue)
            #expect(goAway.status?.message.contains("rpc.v1.Request.method") == true)
        }
    }
}
