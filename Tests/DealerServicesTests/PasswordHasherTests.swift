import DealerProtocol
import Dispatch
import Foundation
import Synchronization
import Testing

@testable import DealerServices

@Suite("PasswordHasher")
struct PasswordHasherTests {
    @Test("a hash verifies its password and no other; an unknown user never verifies")
    func verify() throws {
        let hasher = PasswordHasher(cost: .minimal)
        let hash = try hasher.hash("correct horse battery")
        #expect(hash.hasPrefix("$argon2id$"))
        #expect(try hasher.verify("correct horse battery", against: hash))
        #expect(try !hasher.verify("correct horse batterY", against: hash))
        #expect(try !hasher.verify("correct horse battery", against: nil))
    }

    @Test("hashes computed at once are bounded: callers past the bound get RESOURCE_EXHAUSTED")
    func concurrencyIsBounded() {
        // One slot, and callers wait at most 1 ms for it while each
        // interactive-cost hash (64 MiB) takes tens of milliseconds.
        let hasher = PasswordHasher(cost: .interactive, maxConcurrentHashes: 1, queueTimeout: .milliseconds(1))
        let outcomes = Mutex<(hashed: Int, busy: Int, other: [String])>((0, 0, []))
        // Four real threads, released together, so the hashes truly overlap.
        let ready = DispatchSemaphore(value: 0)
        let go = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for _ in 0..<4 {
            done.enter()
            Thread.detachNewThread {
                ready.signal()
                go.wait()
                do {
                    _ = try hasher.hash("correct horse battery")
                    outcomes.withLock { $0.hashed += 1 }
                } catch let error as RPCError where error.code == .resourceExhausted && error.reason == .passwordHashingBusy {
                    outcomes.withLock { $0.busy += 1 }
                } catch {
                    outcomes.withLock { $0.other.append("\(error)") }
                }
                done.leave()
            }
        }
        for _ in 0..<4 { ready.wait() }
        for _ in 0..<4 { go.signal() }
        done.wait()
        let result = outcomes.withLock { $0 }
        #expect(result.hashed >= 1)
        #expect(result.busy >= 1)
        #expect(result.other.isEmpty)
        #expect(result.hashed + result.busy == 4)
    }
}
