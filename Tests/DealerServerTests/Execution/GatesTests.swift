import DealerTestSupport
import Testing

/// The test gates themselves: a test waiting for a handler that never comes
/// must end when its task is cancelled (a suite's time limit), or it hangs the run.
@Suite("Gates (test support)", .timeLimit(.minutes(1)))
struct GatesTests {
    @Test("arrived returns once the count is reached, and returns when its task is cancelled without it")
    func arrivedEndsOnArrivalOrCancellation() async {
        let gates = Gates()
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await gates.arrived("never")
                return Task.isCancelled
            }
            group.cancelAll()
            // Ends only because of the cancellation: nobody reaches "never".
            #expect(await group.next() == true)
        }
        #expect(gates.arrivals("never") == 0)

        // An arrival before the wait: returns at once, uncancelled.
        gates.open("here")
        gates.wait("here")
        await gates.arrived("here")
        #expect(gates.arrivals("here") == 1)
    }
}
