import DealerProtocol
import Testing

@testable import DealerServices

@Suite("LoginThrottle")
struct LoginThrottleTests {
    private func throttle() -> LoginThrottle {
        var configuration = ServicesConfiguration()
        configuration.loginFailuresBeforeThrottle = 2
        configuration.loginThrottleBaseDelayMs = 1000
        configuration.loginThrottleMaxDelayMs = 60_000
        return LoginThrottle(configuration: configuration)
    }

    @Test("the delay starts after the free failures and doubles, per login, case-insensitively")
    func growingDelay() throws {
        let throttle = throttle()
        try throttle.check("Alice", now: 0)
        throttle.recordFailure("alice", now: 0)
        throttle.recordFailure("ALICE", now: 0)
        #expect(throws: RPCError.self) { try throttle.check("alice", now: 999) }
        try throttle.check("alice", now: 1000)
        try throttle.check("bob", now: 0)
        throttle.recordFailure("alice", now: 1000)
        #expect(throws: RPCError.self) { try throttle.check("alice", now: 2999) }
        try throttle.check("alice", now: 3000)
        throttle.recordSuccess("alice")
        try throttle.check("alice", now: 3000)
    }

    @Test("a full map makes room in one pass and keeps the logins still being throttled")
    func boundedMemory() throws {
        let throttle = throttle()
        // A throttled login, then the map filled with older, lapsed failures.
        for index in 0..<(LoginThrottle.capacity - 1) {
            throttle.recordFailure("old-\(index)", now: 0)
        }
        throttle.recordFailure("target", now: 100_000)
        throttle.recordFailure("target", now: 100_000)
        #expect(throttle.rememberedLogins == LoginThrottle.capacity)
        throttle.recordFailure("newcomer", now: 100_001)
        #expect(throttle.rememberedLogins == 2)
        #expect(throws: RPCError.self) { try throttle.check("target", now: 100_500) }
    }
}
