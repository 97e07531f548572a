import DealerProtocol
import Testing

@testable import DealerServices

@Suite("LoginThrottle")
struct LoginThrottleTests {
    /// Small bounds keep the memory tests quick; the logic is the same at the defaults.
    private func throttle(capacity: Int = 2_000, byteCapacity: Int = 1 << 20) -> LoginThrottle {
        var configuration = ServicesConfiguration()
        configuration.loginFailuresBeforeThrottle = 2
        configuration.loginThrottleBaseDelayMs = 1000
        configuration.loginThrottleMaxDelayMs = 60_000
        return LoginThrottle(configuration: configuration, capacity: capacity, byteCapacity: byteCapacity)
    }

    @Test("the delay starts after the free failures and doubles, per login, case-insensitively")
    func growingDelay() throws {
        let throttle = throttle()
        try throttle.admit("Alice", now: 0)
        try throttle.admit("alice", now: 0)
        #expect(throws: RPCError.self) { try throttle.admit("ALICE", now: 999) }
        try throttle.admit("alice", now: 1000)
        try throttle.admit("bob", now: 0)
        #expect(throws: RPCError.self) { try throttle.admit("alice", now: 2999) }
        try throttle.admit("alice", now: 3000)
        throttle.recordSuccess("alice")
        try throttle.admit("alice", now: 3000)
    }

    @Test("an attempt taken back does not count")
    func withdraw() throws {
        let throttle = throttle()
        try throttle.admit("alice", now: 0)
        throttle.withdraw("alice")
        #expect(throttle.rememberedLogins == 0 && throttle.rememberedBytes == 0)
        try throttle.admit("alice", now: 0)
        try throttle.admit("alice", now: 0)
        #expect(throws: RPCError.self) { try throttle.admit("alice", now: 1) }
    }

    @Test("a full map makes room in one pass and keeps the logins still being throttled")
    func boundedMemory() throws {
        let throttle = throttle()
        // A throttled login, then the map filled with older, lapsed failures.
        for index in 0..<(throttle.capacity - 1) {
            try throttle.admit("old-\(index)", now: 0)
        }
        try throttle.admit("target", now: 100_000)
        try throttle.admit("target", now: 100_000)
        #expect(throttle.rememberedLogins == throttle.capacity)
        try throttle.admit("newcomer", now: 100_001)
        #expect(throttle.rememberedLogins == 2)
        #expect(throws: RPCError.self) { try throttle.admit("target", now: 100_500) }
    }

    @Test("memory is bounded in bytes: long keys are cut, and long-key floods stay under the byte budget")
    func boundedBytes() throws {
        let throttle = throttle(capacity: 2_000, byteCapacity: 64 * 1024)
        let perEntry = LoginThrottle.maxKeyBytes + LoginThrottle.entryOverhead
        let fitting = throttle.byteCapacity / perEntry
        #expect(fitting < throttle.capacity)  // the byte bound is the one that binds here
        let padding = String(repeating: "x", count: 200)
        for index in 0..<(fitting + 10) {
            // All fresh failures (still throttling), each key far longer than a login.
            try throttle.admit("\(index)-\(padding)", now: 1)
            #expect(throttle.rememberedBytes <= throttle.byteCapacity)
        }
        #expect(throttle.rememberedLogins <= fitting)
        #expect(throttle.rememberedBytes == throttle.rememberedLogins * perEntry)
    }
}
