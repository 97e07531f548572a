import DealerProtocol
import Testing

import DealerTestSupport

/// Frames of the largest size made of 2-byte fields that protobuf-c would
/// expand ~35 to 60 times: the decode is refused within its memory budget.
@Suite("Allocation budget over a real socket")
struct AllocationBudgetCallTests {
    static let maxFrameSize = 4 * 1024 * 1024

    /// `pattern` repeated up to exactly `count` bytes.
    private func repeating(_ pattern: [UInt8], toCount count: Int) -> [UInt8] {
        var bytes = pattern
        while bytes.count < count { bytes += bytes }
        return Array(bytes.prefix(count))
    }

    @Test("a payload of ~2 million unknown fields answers INVALID_ARGUMENT / BAD_PAYLOAD; the connection stays usable")
    func hostilePayload() async throws {
        try await withTestServer { server in
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            // CheckRequest bytes: field 15 (unknown to CheckRequest), varint 0, over and over.
            let payload = repeating([0x78, 0x00], toCount: Self.maxFrameSize - 64)
            let request = Rpc_V1_Request(callID: 1, method: Health_V1_Health.check.path, payload: payload)
            #expect(Rpc_V1_Frame.request(request).serializedBytes().count <= Self.maxFrameSize)
            try await raw.send(.request(request))
            guard case .response(let response) = await frames.next()?.kind else {
                Issue.record("expected a Response")
                return
            }
            #expect(response.callID == 1)
            #expect(response.status?.code == .invalidArgument)
            #expect(response.status?.reason == RPCError.Reason.badPayload.rawValue)
            #expect(response.status?.message.contains("would take more than") == true)

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

    @Test("a frame of ~2 million unknown fields gets GoAway INVALID_ARGUMENT / MALFORMED_FRAME and a close")
    func hostileFrame() async throws {
        try await withTestServer { server in
            let raw = try await server.raw()
            var frames = try await raw.handshake()
            let body = repeating([0x78, 0x00], toCount: Self.maxFrameSize)
            let length = UInt32(body.count)
            let prefix = (0..<4).map { UInt8(truncatingIfNeeded: length >> (24 - 8 * $0)) }
            try await raw.send(bytes: prefix + body)
            var rest: [Rpc_V1_Frame] = []
            while let frame = await frames.next() { rest.append(frame) }
            guard case .goAway(let goAway) = rest.first?.kind else {
                Issue.record("expected GoAway")
                return
            }
            #expect(rest.count == 1)
            #expect(goAway.status?.code == .invalidArgument)
            #expect(goAway.status?.reason == RPCError.Reason.malformedFrame.rawValue)
            #expect(goAway.status?.message.contains("would take more than") == true)
        }
    }
}
