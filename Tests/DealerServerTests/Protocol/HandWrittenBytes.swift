import DealerProtocol
import Testing

import DealerTestSupport

/// Protobuf bytes written by hand, for tests whose input our own encoder
/// cannot or must not produce.
enum HandWrittenBytes {
    /// A length-delimited field: key (field number, wire type 2), length, bytes.
    static func field(_ number: UInt8, _ bytes: [UInt8]) -> [UInt8] {
        precondition(number < 16 && bytes.count < 128)
        return [number << 3 | 2, UInt8(bytes.count)] + bytes
    }

    /// `pattern` repeated up to exactly `count` bytes.
    static func repeating(_ pattern: [UInt8], toCount count: Int) -> [UInt8] {
        var bytes = pattern
        while bytes.count < count { bytes += bytes }
        return Array(bytes.prefix(count))
    }

    /// `body` behind its 4-byte big-endian length prefix.
    static func lengthPrefixed(_ body: [UInt8]) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: UInt32(body.count) >> (24 - 8 * $0)) } + body
    }
}

extension RawConnection {
    /// Sends Health/Check as call `callID` and expects it answered OK: the
    /// connection is still usable.
    func expectHealthCheckAnswered(
        callID: UInt64, frames: inout AsyncStream<Rpc_V1_Frame>.Iterator
    ) async throws {
        try await call(callID, Health_V1_Health.check.path)
        guard case .response(let response) = await frames.next()?.kind else {
            Issue.record("expected a Response")
            return
        }
        #expect(response.callID == callID)
        #expect(response.error == nil)
    }
}

extension AsyncStream<Rpc_V1_Frame>.Iterator {
    /// Expects the server's next frame to answer `callID` with INVALID_ARGUMENT
    /// / `reason`, a message holding `text`, and no payload.
    mutating func expectInvalidArgumentResponse(
        callID: UInt64, reason: RPCError.Reason, messageContaining text: String
    ) async {
        guard case .response(let response) = await next()?.kind else {
            Issue.record("expected a Response")
            return
        }
        #expect(response.callID == callID)
        #expect(response.status?.code == .invalidArgument)
        #expect(response.status?.reason == reason.rawValue)
        #expect(response.status?.message.contains(text) == true, "\(response.status?.message ?? "")")
        #expect(response.payload.isEmpty)
    }

    /// Expects the server's next and last frame to be a GoAway
    /// INVALID_ARGUMENT / MALFORMED_FRAME whose message holds `text`, then the close.
    mutating func expectMalformedFrameGoAway(messageContaining text: String) async {
        var rest: [Rpc_V1_Frame] = []
        while let frame = await next() { rest.append(frame) }
        #expect(rest.count == 1)
        guard case .goAway(let goAway) = rest.first?.kind else {
            Issue.record("expected GoAway")
            return
        }
        #expect(goAway.status?.code == .invalidArgument)
        #expect(goAway.status?.reason == RPCError.Reason.malformedFrame.rawValue)
        #expect(goAway.status?.message.contains(text) == true, "\(goAway.status?.message ?? "")")
    }
}
