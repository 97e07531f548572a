import DealerProtocol
import Testing

import DealerTestSupport

/// Frames of the largest size made of 2-byte fields that protobuf-c would
/// expand ~35 to 120 times: the decode is refused within its memory budget.
@Suite("Allocation budget over a real socket")
struct AllocationBudgetCallTests {
    static let maxFrameSize = 4 * 1024 * 1024

    @Test("a payload of ~2 million unknown fields answers INVALID_ARGUMENT / BAD_PAYLOAD; the connection stays usable")
    func hostilePayload() async throws {
        try await withTestServer { server in
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            // CheckRequest bytes: field 15 (unknown to CheckRequest), varint 0, over and over.
            let payload = HandWrittenBytes.repeating([0x78, 0x00], toCount: Self.maxFrameSize - 64)
            let request = Rpc_V1_Request(callID: 1, method: Health_V1_Health.check.path, payload: payload)
            #expect(Rpc_V1_Frame.request(request).serializedBytes().count <= Self.maxFrameSize)
            try await raw.send(.request(request))
            await frames.expectInvalidArgumentResponse(
                callID: 1, reason: .badPayload, messageContaining: "would take more than")
            try await raw.expectHealthCheckAnswered(callID: 2, frames: &frames)
            await raw.close()
        }
    }

    @Test("a frame of ~2 million unknown fields gets GoAway INVALID_ARGUMENT / MALFORMED_FRAME and a close")
    func hostileFrame() async throws {
        try await withTestServer { server in
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            let body = HandWrittenBytes.repeating([0x78, 0x00], toCount: Self.maxFrameSize)
            try await raw.send(bytes: HandWrittenBytes.lengthPrefixed(body))
            await frames.expectMalformedFrameGoAway(messageContaining: "would take more than")
        }
    }
}
