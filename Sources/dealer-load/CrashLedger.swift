/// The facts a crash-test run's acknowledged writes promised, the latest per
/// entity, each with the one state the call in flight at a kill may have moved
/// it to (a later state, never an earlier one).
struct CrashLedger: Sendable {
    struct Expectation: Sendable {
        /// What the last acknowledged write of the entity made it.
        var acknowledged: CrashFact
        /// What the unanswered call in flight at the kill would have made it, had it committed.
        var ifInFlightCommitted: CrashFact?
    }

    private(set) var expectations: [String: Expectation] = [:]
    /// The last acknowledged login (every crash-test user has `CrashRound.password`).
    private(set) var lastLogin: String?

    var count: Int { expectations.count }

    /// Records the facts of acknowledged writes, in the order they were acknowledged.
    mutating func acknowledge(_ facts: [CrashFact]) {
        for fact in facts {
            expectations[fact.key] = Expectation(acknowledged: fact)
            if case .userExists(let login) = fact { lastLogin = login }
        }
    }

    /// Allows the facts of a call that was sent but not answered as an alternative
    /// to the acknowledged state of the same entities.
    mutating func allowInFlight(_ facts: [CrashFact]) {
        for fact in facts { expectations[fact.key]?.ifInFlightCommitted = fact }
    }
}
