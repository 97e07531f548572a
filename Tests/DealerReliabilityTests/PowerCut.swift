import CPowerLossVFS
@testable import DealerStore
import Foundation
import Synchronization

/// One power cut: concurrent writers run the write surface on the store opened through
/// the powerloss VFS until the power is cut inside the `cutAtWrite`-th write; the store
/// is closed and the file reopened with the real VFS and checked.
struct PowerCut: CustomStringConvertible {
    var mode: powerloss_mode
    var synchronous: DealerStoreConfiguration.Synchronous = .full
    var writers = 4
    /// The write (counted over every file) inside which the power goes.
    var cutAtWrite: Int64
    /// One writer checkpoints the WAL every this many of its steps, so that cuts also
    /// land in checkpoints (database file writes) and WAL restarts.
    var checkpointEvery = 5

    var description: String {
        "\(mode == POWERLOSS_TORN ? "TORN" : "DROP") at write \(cutAtWrite), synchronous \(synchronous.rawValue)"
    }

    /// What the check after the cut found.
    struct Outcome: Sendable {
        var acknowledged = 0
        /// The acknowledged writes missing after the reboot.
        var lost: [String] = []
        var integrityOK = false
        var violations: [String] = []
        /// Unexpected errors before the cut, and a store that would not reopen.
        var failures: [String] = []
        /// Unsynced writes the cut undid or tore.
        var unsyncedWritesUndone: Int64 = 0
    }

    func run(on template: ReliabilityDatabase) throws -> Outcome {
        let database = try ReliabilityDatabase.copy(of: template)
        var outcome = Outcome()
        let record = Record()
        do {
            let store = try database.openOnShim(synchronous: synchronous)
            powerloss_cut_at_write(cutAtWrite, mode)
            let finished = DispatchGroup()
            for writer in 0..<writers {
                finished.enter()
                let checkpointEvery = writer == 0 ? checkpointEvery : 0
                let path = database.path
                // Weakly held: once the writers are done, the store closes here, not
                // whenever a finished thread lets go of its closure.
                Thread.detachNewThread { [weak store] in
                    Self.write(store, writer: writer, checkpointEvery: checkpointEvery, path: path, record: record)
                    finished.leave()
                }
            }
            withExtendedLifetime(store) { finished.wait() }
        }  // the store and every connection close here
        if powerloss_open_files() != 0 {
            record.failures.withLock { $0.append("\(powerloss_open_files()) files still open after the store closed") }
        }
        outcome.unsyncedWritesUndone = powerloss_writes_lost()
        powerloss_reset(0)
        outcome.failures = record.failures.withLock { $0 }
        let writes = record.acknowledged.withLock { $0 }
        outcome.acknowledged = writes.count
        do {
            let store = try database.reopenAfterPowerCut()
            outcome.integrityOK = try store.integrityCheck()
            outcome.violations = try store.invariantViolations()
            for write in writes where try !write.isPresent(in: store) {
                outcome.lost.append("\(write.step): \(write.sql) \(write.values)")
            }
        } catch {
            outcome.failures.append("after the cut: \(error)")
        }
        return outcome
    }

    /// What the writers saw, shared by their threads.
    private final class Record: Sendable {
        let acknowledged = Mutex<[AcknowledgedWrite]>([])
        let failures = Mutex<[String]>([])
    }

    /// One writer: chain after chain until the power goes (its first failing call).
    private static func write(
        _ store: DealerStore?, writer: Int, checkpointEvery: Int, path: String,
        record: Record
    ) {
        guard let store else { return }
        let checkpointer = checkpointEvery > 0 ? try? SQLiteConnection(path: path, vfs: PowerLossShim.vfsName) : nil
        var steps = 0
        for round in 0..<10_000 {
            let chain = WriteSurfaceChain(store: store, writer: writer, round: round)
            while !chain.isFinished {
                do {
                    let write = try chain.runNextStep()
                    record.acknowledged.withLock { $0.append(write) }
                    steps += 1
                    if let checkpointer, steps.isMultiple(of: checkpointEvery) {
                        try checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    }
                } catch {
                    if powerloss_is_cut() == 0 {
                        record.failures.withLock { $0.append("writer \(writer) before the cut: \(error)") }
                    }
                    return
                }
            }
        }
        record.failures.withLock { $0.append("writer \(writer): the power was never cut") }
    }
}
