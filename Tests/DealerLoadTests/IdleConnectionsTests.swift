import DealerProtocol
import DealerServer
import DealerTestSupport
import NIOCore
import Testing

@testable import dealer_load

@Suite("dealer-load idle-connections: connections held idle after their handshake")
struct IdleConnectionsTests {
    @Test func holdsEveryConnectionOpenOnTheServer() async throws {
        try await withTestServer(configure: { $0.maxConnectionsPerPeer = 3 }) { server in
            let held = try await IdleConnections.open(host: "127.0.0.1", port: server.port, count: 3, concurrency: 2)
            // The server counts all three as open: one more from this address is refused.
            let extra = try await server.raw()
            let frames = await extra.frames.collectUntilClosed()
            await extra.close()
            let active = held.channels.filter { $0.isActive }.count
            #expect(held.channels.count == 3)
            #expect(active == 3)
            #expect(held.losses.count == 0)
            await held.close()
            guard case .goAway(let goAway)? = frames.first?.kind else {
                Issue.record("the fourth connection got \(frames) instead of a GoAway")
                return
            }
            #expect(goAway.status?.reason == "TOO_MANY_CONNECTIONS")
        }
    }

    @Test func aRefusedConnectionFailsTheOpeningWithTheServersReason() async throws {
        try await withTestServer(configure: { $0.maxConnectionsPerPeer = 2 }) { server in
            do {
                let held = try await IdleConnections.open(host: "127.0.0.1", port: server.port, count: 3, concurrency: 1)
                await held.close()
                Issue.record("three connections opened against a limit of two")
            } catch let failure as LoadFailure {
                #expect(failure.reason.contains("TOO_MANY_CONNECTIONS"))
                #expect(failure.reason.contains("opening 3 connections (2 were open)"))
            }
        }
    }

    @Test func aConnectionTheServerClosesWhileHeldIsCountedAsLost() async throws {
        try await withTestServer(configure: { $0.idleTimeout = .milliseconds(200) }) { server in
            let held = try await IdleConnections.open(host: "127.0.0.1", port: server.port, count: 2)
            // The server closes both after its idle timeout; closeFuture completes after channelInactive.
            for channel in held.channels { try await channel.closeFuture.get() }
            #expect(held.losses.count == 2)
            #expect(held.losses.firstReason?.contains("IDLE_TIMEOUT") == true)
            await held.close()
        }
    }

    @Test func closingItselfIsNoLoss() async throws {
        try await withTestServer { server in
            let held = try await IdleConnections.open(host: "127.0.0.1", port: server.port, count: 4)
            await held.close()
            let active = held.channels.filter { $0.isActive }.count
            #expect(active == 0)
            #expect(held.losses.count == 0)
        }
    }
}
