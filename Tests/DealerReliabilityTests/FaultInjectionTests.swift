import CPowerLossVFS
import DealerClient
import DealerProtocol
@testable import DealerServices
@testable import DealerStore
import DealerTestSupport
import Foundation
import Testing

/// I/O faults at every point of a scripted workload (issue 11, "Faults"), the way SQLite
/// tests itself: for k = 1, 2, ... the k-th write (or sync) from the start of the workload
/// fails, and every one after it, until the fault is cleared. The call that meets it gets
/// a storage `StoreError` that the services answer UNAVAILABLE or RESOURCE_EXHAUSTED with
/// a stable reason, leaves the database exactly as it was, and the store's health says so
/// until the fault is gone; then the same call succeeds, without reopening the store.
/// The loop ends at the first k the whole workload runs past without meeting the fault.
@Suite("Fault injection")
struct FaultInjectionTests {
    typealias Auth = Auth_V1_AuthService
    typealias Health = Health_V1_Health

    struct Kind: Sendable, CustomTestStringConvertible {
        let fault: powerloss_fault
        let name: String
        let code: StatusCode
        let reason: RPCError.Reason
        let health: StoreHealth.Problem
        var testDescription: String { name }
    }

    static let kinds = [
        Kind(fault: POWERLOSS_FAULT_WRITE_IOERR, name: "write I/O error", code: .unavailable, reason: .storageUnavailable, health: .unavailable),
        Kind(fault: POWERLOSS_FAULT_SYNC_IOERR, name: "fsync I/O error", code: .unavailable, reason: .storageUnavailable, health: .unavailable),
        Kind(fault: POWERLOSS_FAULT_WRITE_FULL, name: "disk full on write", code: .resourceExhausted, reason: .storageFull, health: .full),
    ]

    @Test("a fault at the k-th write or sync, for every k over the write surface: clear status, no partial state, health follows",
          arguments: kinds)
    func faultAtEveryPoint(_ kind: Kind) async throws {
        let (points, injected, problems) = try await PowerLossShim.exclusive {
            try await offCooperativePool {
                let template = try ReliabilityDatabase.template()
                var injected: Int64 = 0
                var problems: [String] = []
                for k in 1...100_000 {
                    let (metFault, faults) = try Self.runWorkload(failingAt: Int64(k), kind, template: template, problems: &problems)
                    injected += faults
                    if !metFault { return (k - 1, injected, problems) }
                }
                return (0, injected, problems + ["the workload never ran past the fault"])
            }
        }
        #expect(problems == [])
        print("faults: \(kind.name) at each of \(points) points of the write surface, \(injected) calls failed, 0 partial writes")
        #expect(points > Self.minimumPoints(kind))
    }

    /// A services server whose database goes through the fault-injecting shim,
    /// with a connection (closed afterwards).
    private static func withShimServer(_ body: (DealerConnection) async throws -> Void) async throws {
        try await PowerLossShim.exclusive {
            try await withServicesTestServer(store: {
                $0.vfsName = PowerLossShim.vfsName
                $0.healthProbeIntervalMilliseconds = 20
            }) { server in
                let net = try await server.connect()
                do {
                    try await body(net)
                } catch {
                    await net.close()
                    throw error
                }
                await net.close()
            }
        }
    }

    /// Clears the fault and waits for the store's probe to find the disk working again.
    private static func clearFaultAndAwaitServing(_ net: DealerConnection) async throws {
        powerloss_fault_clear()
        var polls = 0
        while try await net.call(Health.check, .init()).status != .serving, polls < 600 {
            polls += 1
            try await Task.sleep(for: .milliseconds(50))  // no event exists for "the probe succeeded"
        }
        #expect(try await net.call(Health.check, .init()).status == .serving)
    }

    @Test("over the protocol: a failing disk makes writes UNAVAILABLE STORAGE_UNAVAILABLE and Health NOT_SERVING; fixed, SERVING again without a restart")
    func overTheProtocol() async throws {
        try await Self.withShimServer { net in
            let admin = try await net.signUpAndLogin(name: "Acme", login: "admin")
            #expect(try await net.call(Health.check, .init()).status == .serving)
            powerloss_fault_arm(POWERLOSS_FAULT_WRITE_IOERR, 1)
            do {
                _ = try await net.call(Auth.createUser, .init(login: "during", password: admin.password), token: admin.token)
                Issue.record("CreateUser succeeded on a failing disk")
            } catch let error as RPCError {
                #expect(error.code == .unavailable && error.reason == .storageUnavailable, "\(error)")
            }
            let unhealthy = try await net.call(Health.check, .init())
            #expect(unhealthy.status == .notServing && unhealthy.reason == "STORAGE_UNAVAILABLE")
            #expect(powerloss_faults_injected() > 0)

            // The disk works again: the store's probe finds out, with no restart.
            try await Self.clearFaultAndAwaitServing(net)
            _ = try await net.call(Auth.createUser, .init(login: "after", password: admin.password), token: admin.token)
        }
    }

    @Test("over the protocol: a write-lane call whose batch cannot commit is answered UNAVAILABLE, never OK, and changes nothing")
    func writeLaneBatchThatCannotCommit() async throws {
        try await Self.withShimServer { net in
            let admin = try await net.signUpAndLogin(name: "Acme", login: "admin")
            let created = try await net.call(
                Auth.createUser, .init(login: "target", password: admin.password, rights: []), token: admin.token)
            let target = try #require(created.user?.id)
            // SetUserRights runs on the write lane: its batch's COMMIT meets the failing disk.
            powerloss_fault_arm(POWERLOSS_FAULT_WRITE_IOERR, 1)
            do {
                _ = try await net.call(Auth.setUserRights, .init(userID: target, rights: [.admin]), token: admin.token)
                Issue.record("SetUserRights was answered OK although its transaction could not commit")
            } catch let error as RPCError {
                #expect(error.code == .unavailable && error.reason == .storageUnavailable, "\(error)")
            }
            #expect(powerloss_faults_injected() > 0)
            try await Self.clearFaultAndAwaitServing(net)
            let users = try await net.call(Auth.listUsers, .init(), token: admin.token).users
            #expect(users.first { $0.id == target }?.rights == [], "the failed write left a trace: \(users)")
            // The lane works again.
            _ = try await net.call(Auth.setUserRights, .init(userID: target, rights: [.admin]), token: admin.token)
        }
    }

    /// Writes and syncs the workload makes at least (one commit per step, one sync or more each).
    private static func minimumPoints(_ kind: Kind) -> Int { WriteSurfaceChain.stepCount }

    /// Runs one chain with the fault armed at `k`; returns whether it met the fault and
    /// how many calls the shim failed.
    private static func runWorkload(
        failingAt k: Int64, _ kind: Kind, template: ReliabilityDatabase, problems: inout [String]
    ) throws -> (Bool, Int64) {
        func expect(_ condition: Bool, _ problem: @autoclosure () -> String) {
            if !condition { problems.append("k = \(k): " + problem()) }
        }
        let database = try ReliabilityDatabase.copy(of: template)
        let store = try database.openOnShim()
        let chain = WriteSurfaceChain(store: store, writer: 0, round: 0)
        powerloss_reset(UInt64(k))
        powerloss_fault_arm(kind.fault, k)
        var metFault = false
        var lastFailedStep: Int?
        while !chain.isFinished {
            let before = try contents(of: store)
            do {
                _ = try chain.runNextStep()
            } catch {
                metFault = true
                guard lastFailedStep != chain.nextStep else {
                    expect(false, "step \(chain.nextStep) failed again once the fault was cleared: \(error)")
                    break
                }
                lastFailedStep = chain.nextStep
                let faults = powerloss_faults_injected()
                expect(faults > 0, "step \(chain.nextStep) failed without a fault: \(error)")
                let answer = RPCError.answering(error)
                expect(answer?.code == kind.code && answer?.reason == kind.reason, "\(error) answered \(String(describing: answer))")
                expect(try contents(of: store) == before, "step \(chain.nextStep) left partial state")
                expect(store.health.problem == kind.health, "health \(String(describing: store.health.problem))")
                powerloss_fault_clear()
                try store.probeWrite()
                expect(store.health.problem == nil, "health did not recover")
                // The same call again, on the same store: it succeeds (the loop retries it).
            }
        }
        let violations = try store.invariantViolations()
        expect(violations == [], "\(violations)")
        expect(try store.integrityCheck(), "integrity_check failed")
        return (metFault || powerloss_faults_injected() > 0, powerloss_faults_injected())
    }

    /// Every row of every table, as text: equal before and after a failed call when it
    /// left nothing behind.
    static func contents(of store: DealerStore) throws -> [String] {
        try store.read { db in
            let tables = try db.query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name") { $0.text(0) }
            var rows: [String] = []
            for table in tables {
                let columns = try db.query("SELECT name FROM pragma_table_info(?)", [table]) { $0.text(0) }
                let row = columns.map { "quote(\"\($0)\")" }.joined(separator: " || ',' || ")
                rows += try db.query("SELECT '\(table):' || \(row) FROM \"\(table)\" ORDER BY 1") { $0.text(0) }
            }
            return rows
        }
    }
}
