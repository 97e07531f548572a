import DealerClient
import DealerProtocol
import NIOCore
import Testing

@testable import DealerServer
import DealerTestSupport

@Suite("Connection limits, in total and per peer address")
struct ConnectionLimitTests {
    struct Limits: Sendable, CustomTestStringConvertible {
        var total: Int
        var perPeer: Int
        var testDescription: String { "total \(total), per peer \(perPeer)" }
    }

    @Test(
        "one connection too many gets GoAway TOO_MANY_CONNECTIONS and is closed; the others keep working; a freed slot is reused",
        arguments: [Limits(total: 3, perPeer: 100), Limits(total: 100, perPeer: 3)])
    func limit(limits: Limits) async throws {
        try await withTestServer {
            $0.maxConnections = limits.total
            $0.maxConnectionsPerPeer = limits.perPeer
        } _: { server in
            let first = try await server.connect()
            let second = try await server.connect()
            let third = try await server.raw()
            var thirdFrames = try await third.handshake()

            let refused = try await server.raw()
            let refusal = await refused.frames.collectUntilClosed()
            #expect(refusal.count == 1)
            guard case .goAway(let goAway) = refusal.first?.kind else { Issue.record("expected GoAway"); return }
            #expect(goAway.status?.code == .resourceExhausted)
            #expect(goAway.status?.reason == RPCError.Reason.tooManyConnections.rawValue)
            #expect(goAway.lastCallID == 0)

            #expect(try await first.call(Health_V1_Health.check, .init()).status == .serving)
            #expect(try await second.call(Health_V1_Health.check, .init()).status == .serving)
            try await third.send(Rpc_V1_Frame(kind: .ping(Rpc_V1_Ping(opaque: 7))))
            #expect(await thirdFrames.next()?.kind == .pong(Rpc_V1_Pong(opaque: 7)))

            // The third says it is done; the server closes it, which frees its slot.
            try await third.send(.goAway(lastCallID: 0, RPCError(.ok, "", "done")))
            #expect(await thirdFrames.next() == nil)
            let replacement = try await server.connect()
            #expect(try await replacement.call(Health_V1_Health.check, .init()).status == .serving)

            await replacement.close()
            await first.close()
            await second.close()
        }
    }
}
