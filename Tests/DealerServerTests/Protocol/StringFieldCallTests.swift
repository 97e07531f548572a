import DealerProtocol
import Testing

import DealerTestSupport

/// Strings with U+0000 or invalid UTF-8, written byte by byte (not by our
/// encoder), over the real protocol.
@Suite("Invalid strings on the wire, over a real socket")
struct StringFieldCallTests {
    @Test(
        "a request string holding U+0000 or invalid UTF-8 answers INVALID_ARGUMENT / INVALID_STRING naming the field",
        arguments: [[0x61, 0x00, 0x62], [0xFF]] as [[UInt8]])
    func invalidStringInPayload(_ service: [UInt8]) async throws {
        try await withTestServer { server in
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            // CheckRequest{service: <bytes>}, by hand.
            let payload = HandWrittenBytes.field(1, service)
            try await raw.send(.request(Rpc_V1_Request(callID: 1, method: Health_V1_Health.check.path, payload: payload)))
            await frames.expectInvalidArgumentResponse(
                callID: 1, reason: .invalidString, messageContaining: "health.v1.CheckRequest.service")
            try await raw.expectHealthCheckAnswered(callID: 2, frames: &frames)
            await raw.close()
        }
    }

    @Test("an envelope string holding U+0000 (Request.method) is a malformed frame: GoAway naming the field, then close")
    func invalidStringInEnvelope() async throws {
        try await withTestServer { server in
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            // Frame{request: Request{call_id: 1, method: "/health.v1.Health/Check\0x"}}, by hand.
            let method = HandWrittenBytes.field(2, Array(Health_V1_Health.check.path.utf8) + [0x00, 0x78])
            try await raw.send(bytes: HandWrittenBytes.lengthPrefixed(HandWrittenBytes.field(3, [0x08, 0x01] + method)))
            await frames.expectMalformedFrameGoAway(messageContaining: "rpc.v1.Request.method")
        }
    }
}
