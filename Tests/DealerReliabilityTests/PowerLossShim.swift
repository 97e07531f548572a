import CPowerLossVFS
@testable import DealerStore
import Foundation
import Logging
import Synchronization

/// The "powerloss" SQLite VFS (Sources/CPowerLossVFS) seen from Swift: its state is
/// global, so every test using it runs inside `exclusive`, one at a time.
enum PowerLossShim {
    static let vfsName = "powerloss"
    private static let inUse = Mutex(false)

    /// Registers the VFS (once) and runs `body` while no other test uses it; the shim is
    /// reset before and after.
    static func exclusive<T>(seed: UInt64 = 1, _ body: () throws -> T) throws -> T {
        let rc = powerloss_register()
        guard rc == 0 else { throw DealerStoreError("cannot register the powerloss VFS: \(rc)") }
        return try inUse.withLock { _ in
            powerloss_reset(seed)
            defer { powerloss_reset(seed) }
            return try body()
        }
    }

    /// Keeps test output readable; the store's log lines are not under test.
    static let logger = Logger(label: "dealer.reliability.test") { _ in SwiftLogNoOpLogHandler() }
}

/// Database files for the reliability tests: a migrated template made once with the real
/// VFS, copied into a fresh directory for each run.
final class ReliabilityDatabase: Sendable {
    let directory: URL
    var path: String { directory.appendingPathComponent("dealer.sqlite").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dealer-reliability-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// A migrated, checkpointed database file (its store closed, so no WAL is left).
    static func template() throws -> ReliabilityDatabase {
        let database = try ReliabilityDatabase()
        _ = try DealerStore(configuration: .init(path: database.path), logger: PowerLossShim.logger)
        return database
    }

    /// A copy of `template` in a directory of its own.
    static func copy(of template: ReliabilityDatabase) throws -> ReliabilityDatabase {
        let database = try ReliabilityDatabase()
        try FileManager.default.copyItem(atPath: template.path, toPath: database.path)
        return database
    }

    /// The store on this file through the powerloss VFS (health probes off: tests probe by hand).
    func openOnShim(
        synchronous: DealerStoreConfiguration.Synchronous = .full, busyTimeoutMilliseconds: Int = 5_000
    ) throws -> DealerStore {
        var configuration = DealerStoreConfiguration(
            path: path, synchronous: synchronous, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        configuration.vfsName = PowerLossShim.vfsName
        configuration.healthProbeIntervalMilliseconds = 3_600_000
        return try DealerStore(configuration: configuration, logger: PowerLossShim.logger)
    }

    /// The store on this file through the real VFS, after a power cut: the shared-memory
    /// index did not survive the reboot (SQLite rebuilds it from the WAL).
    func reopenAfterPowerCut() throws -> DealerStore {
        try? FileManager.default.removeItem(atPath: path + "-shm")
        return try DealerStore(configuration: .init(path: path), logger: PowerLossShim.logger)
    }
}

/// Runs blocking SQLite work on a Dispatch thread, so the test runner's few cooperative
/// threads stay free for the tests running beside it.
func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}

/// An integer from the environment, or `default`.
func environmentInteger(_ name: String, default value: Int) -> Int {
    ProcessInfo.processInfo.environment[name].flatMap { Int($0) } ?? value
}
