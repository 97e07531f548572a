import DealerStore

/// What the database of a killed `dealerd` holds compared with what its clients
/// were told: every acknowledged login present, `integrity_check` ok, no broken
/// invariant.
struct CrashVerification: Sendable {
    var missing: [String] = []
    var integrityOK = false
    var violations: [String] = []
    /// How many of the unacknowledged in-flight writes were committed anyway.
    var inFlightCommitted = 0

    var passed: Bool { missing.isEmpty && integrityOK && violations.isEmpty }

    /// Opens the database with `DealerStore` (which itself refuses a file that
    /// fails `quick_check` or `foreign_key_check`), checks it and closes it.
    /// Blocking (SQLite): call it only while the child is dead and no load runs.
    static func check(databasePath: String, acknowledged: [String], inFlight: [String]) throws -> CrashVerification {
        let store = try DealerStore(configuration: DealerStoreConfiguration(path: databasePath, readerCount: 1))
        var result = CrashVerification()
        for login in acknowledged where try store.credentials(forLogin: login) == nil {
            result.missing.append(login)
        }
        for login in inFlight where try store.credentials(forLogin: login) != nil {
            result.inFlightCommitted += 1
        }
        result.integrityOK = try store.integrityCheck()
        result.violations = try store.invariantViolations()
        return result
    }
}
