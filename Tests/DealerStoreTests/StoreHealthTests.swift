@testable import DealerStore
import Dispatch
import Foundation
import Logging
import Synchronization
import Testing

@Suite("Store health and transaction hygiene")
struct StoreHealthTests {
    private func store(_ configure: (inout DealerStoreConfiguration) -> Void = { _ in }, logger: Logger = TestDatabase.logger) throws
        -> (DealerStore, URL)
    {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dealer-health-\(UUID().uuidString)")
        var configuration = DealerStoreConfiguration(path: directory.appendingPathComponent("dealer.sqlite").path)
        configure(&configuration)
        return (try DealerStore(configuration: configuration, logger: logger), directory)
    }

    @Test func aFullDatabaseIsRecordedByTheWriterAndClearedByTheNextCleanCommit() throws {
        let (store, directory) = try store { $0.healthProbeIntervalMilliseconds = 3_600_000 }  // no probe during the test
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(store.health.problem == nil)
        _ = try store.setMaxPageCountForTesting(1)
        let error = #expect(throws: StoreError.self) { try store.probeWrite() }
        guard case .storageFull = error else { Issue.record("expected storageFull, got \(String(describing: error))"); return }
        #expect(store.health.problem == .full)
        _ = try store.setMaxPageCountForTesting(1_000_000_000)
        try store.probeWrite()
        #expect(store.health.problem == nil)
    }

    @Test func aWriteTransactionRunningPastTheBoundShowsAsAStuckWriterUntilItEnds() throws {
        let (store, directory) = try store { $0.writerStuckAfterMilliseconds = 0 }
        defer { try? FileManager.default.removeItem(at: directory) }
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            _ = try? store.write { _ in
                entered.signal()
                release.wait()
            }
            finished.signal()
        }
        entered.wait()
        #expect(store.health.problem == .writerStuck)
        release.signal()
        finished.wait()
        #expect(store.health.problem == nil)
    }

    @Test func aReaderWhoseCommitFailsIsRolledBackAndLogged() throws {
        let lines = Lines()
        let logger = Logger(label: "test") { _ in LineRecorder(lines: lines) }
        let db = try TestDatabase()
        let reader = try SQLiteConnection(path: db.path)
        // COMMIT outside a transaction fails: logged, not thrown, and the connection stays usable.
        try DealerStore.endReadTransaction(reader, logger: logger)
        #expect(lines.all.withLock { $0 }.contains { $0.contains("reader COMMIT failed") })
        #expect(!reader.inTransaction)
        try reader.execute("BEGIN")
        _ = try reader.queryFirst("SELECT count(*) FROM accounts") { $0.int64(0) }
        try DealerStore.endReadTransaction(reader, logger: logger)
        #expect(!reader.inTransaction)
    }
}

private final class Lines: Sendable {
    let all = Mutex<[String]>([])
}

/// Keeps each logged message, for the tests above.
private struct LineRecorder: LogHandler {
    let lines: Lines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { lines.all.withLock { $0.append("\(event.message)") } }
}
