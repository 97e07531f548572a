import DealerStore

/// What the database of a killed `dealerd` holds compared with what its clients
/// were told: every fact of the ledger holds (in its acknowledged state, or in
/// the state the call in flight at the kill would have left), `integrity_check`
/// ok, no broken invariant.
struct CrashVerification: Sendable {
    /// Facts that hold in neither allowed state, described.
    var missing: [String] = []
    var integrityOK = false
    var violations: [String] = []
    /// How many of the unanswered calls whose effect is known beforehand were committed anyway.
    var inFlightCommitted = 0

    var passed: Bool { missing.isEmpty && integrityOK && violations.isEmpty }

    /// Opens the database with `DealerStore` (which itself refuses a file that
    /// fails `quick_check` or `foreign_key_check`), checks it and closes it.
    /// Blocking (SQLite): call it only while the child is dead and no load runs.
    static func check(databasePath: String, ledger: CrashLedger, inFlight: [CrashCallLog.PendingCall]) throws -> CrashVerification {
        let store = try DealerStore(configuration: DealerStoreConfiguration(path: databasePath, readerCount: 1))
        var result = CrashVerification()
        result.missing = try missingFacts(ledger, in: store)
        var requests = CrashFact.RequestCache()
        for call in inFlight where !call.factsIfCommitted.isEmpty {
            if try call.factsIfCommitted.allSatisfy({ try $0.holds(in: store, requests: &requests) }) { result.inFlightCommitted += 1 }
        }
        result.integrityOK = try store.integrityCheck()
        result.violations = try store.invariantViolations()
        return result
    }

    /// The ledger's expectations that hold in neither allowed state, described, sorted.
    static func missingFacts(_ ledger: CrashLedger, in store: DealerStore) throws -> [String] {
        var missing: [String] = []
        var requests = CrashFact.RequestCache()
        for expectation in ledger.expectations.values {
            if try expectation.acknowledged.holds(in: store, requests: &requests) { continue }
            if let later = expectation.ifInFlightCommitted, try later.holds(in: store, requests: &requests) { continue }
            missing.append(
                expectation.acknowledged.description + (expectation.ifInFlightCommitted.map { " (or \($0))" } ?? ""))
        }
        return missing.sorted()
    }

    /// The checker's self-check: one falsified fact per kind of fact in `ledger`
    /// (see `CrashFact.falsified`); each must be reported missing. Returns the
    /// kinds checked and those whose false fact was NOT reported.
    static func selfCheck(databasePath: String, ledger: CrashLedger) throws -> (kinds: [String], unreported: [String]) {
        let store = try DealerStore(configuration: DealerStoreConfiguration(path: databasePath, readerCount: 1))
        var planted: [String: CrashFact] = [:]
        for expectation in ledger.expectations.values where planted[expectation.acknowledged.kind] == nil {
            planted[expectation.acknowledged.kind] = expectation.acknowledged.falsified
        }
        var unreported: [String] = []
        for (kind, fact) in planted.sorted(by: { $0.key < $1.key }) {
            var falseLedger = CrashLedger()
            falseLedger.acknowledge([fact])
            if try missingFacts(falseLedger, in: store).isEmpty { unreported.append("\(kind): \(fact)") }
        }
        return (planted.keys.sorted(), unreported)
    }
}
