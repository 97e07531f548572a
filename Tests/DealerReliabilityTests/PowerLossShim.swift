import CPowerLossVFS
@testable import DealerStore
import Foundation
import Logging

/// The "powerloss" SQLite VFS (Sources/CPowerLossVFS) seen from Swift: its state is
/// global, so every test using it runs inside `exclusive`, one at a time.
enum PowerLossShim {
    static let vfsName = "powerloss"
    private static let inUse = ShimLock()

    /// Registers the VFS (once) and runs `body` while no other test uses it; the shim is
    /// reset before and after.
    static func exclusive<T: Sendable>(seed: UInt64 = 1, _ body: () async throws -> T) async throws -> T {
        let rc = powerloss_register()
        guard rc == 0 else { throw DealerStoreError("cannot register the powerloss VFS: \(rc)") }
        await inUse.acquire()
        powerloss_reset(seed)
        let result = await Result(catching: body)
        powerloss_reset(seed)
        await inUse.release()
        return try result.get()
    }

    /// Keeps test output readable; the store's log lines are not under test.
    static let logger = Logger(label: "dealer.reliability.test") { _ in SwiftLogNoOpLogHandler() }
}

/// A lock a test holds across suspension points while it uses the shim: waiters are
/// resumed one at a time, first come first served.
actor ShimLock {
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard held else {
            held = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty { held = false } else { waiters.removeFirst().resume() }
    }
}

extension Result where Failure == any Error {
    /// The outcome of an async throwing body.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

/// Database files for the reliability tests: a migrated template made once with the real
/// VFS, copied into a fresh directory for each run.
final class ReliabilityDatabase: Sendable {
    let directory: URL
    var path: String { directory.appendingPathComponent("dealer.sqlite").path }

    /// In memory (/dev/shm) where there is one: what survives a cut is decided by the
    /// powerloss VFS from the xSync calls it sees, not by the disk, so a real fsync adds
    /// only time.
    private static let base: URL = {
        let memory = URL(fileURLWithPath: "/dev/shm", isDirectory: true)
        return FileManager.default.isWritableFile(atPath: memory.path) ? memory : FileManager.default.temporaryDirectory
    }()

    init() throws {
        directory = Self.base.appendingPathComponent("dealer-reliability-\(UUID().uuidString)")
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
