import Dispatch
import Synchronization

/// Whether the store can serve, kept in atomics so that it is read from
/// memory (Health/Check answers on an event loop) and never waits for SQLite.
///
/// The store's writer updates it after every group commit: a write failing
/// with SQLITE_FULL marks it `.full`, with SQLITE_IOERR / SQLITE_READONLY /
/// SQLITE_CANTOPEN, or SQLITE_BUSY / SQLITE_LOCKED past the busy timeout, `.unavailable`; a later commit with no such failure marks it
/// healthy. A group commit running longer than the configured bound shows as
/// `.writerStuck` while it runs. While a failure is recorded, the store runs a
/// probe write now and then (see `DealerStore`), so health comes back without
/// traffic and without a restart.
public final class StoreHealth: Sendable {
    /// Why the store cannot serve.
    public enum Problem: UInt8, Sendable, Hashable {
        /// The database or its disk is full.
        case full = 1
        /// The database cannot be written (I/O error, read-only, cannot open, locked
        /// by another process past the busy timeout).
        case unavailable = 2
        /// A write transaction has been running longer than the configured bound.
        case writerStuck = 3
    }

    /// The recorded write failure (a `Problem` raw value), 0 when none.
    private let failure = Atomic<UInt8>(0)
    /// Uptime in nanoseconds when the running group commit started, 0 when idle.
    private let groupStartedAt = Atomic<UInt64>(0)
    private let stuckAfterNanoseconds: UInt64

    init(writerStuckAfterMilliseconds: Int) {
        stuckAfterNanoseconds = UInt64(max(0, writerStuckAfterMilliseconds)) * 1_000_000
    }

    /// Nil when the store can serve; otherwise why not. Reads two atomics and the clock.
    public var problem: Problem? {
        if let recorded = recordedFailure { return recorded }
        let started = groupStartedAt.load(ordering: .relaxed)
        if started != 0, DispatchTime.now().uptimeNanoseconds &- started >= stuckAfterNanoseconds { return .writerStuck }
        return nil
    }

    /// The write failure recorded by the writer, if any (what the probe waits to clear).
    var recordedFailure: Problem? { Problem(rawValue: failure.load(ordering: .relaxed)) }

    func groupStarted() { groupStartedAt.store(max(1, DispatchTime.now().uptimeNanoseconds), ordering: .relaxed) }

    func groupEnded() { groupStartedAt.store(0, ordering: .relaxed) }

    /// Records the outcome of a group: the storage failure it met, or nil after a clean commit.
    func record(_ problem: Problem?) {
        failure.store(problem?.rawValue ?? 0, ordering: .relaxed)
    }

    /// The storage problem an error of a write shows, or nil for any other error.
    static func problem(of error: any Error) -> Problem? {
        guard let error = error as? SQLiteError else { return nil }
        switch StoreError(error) {
        case .storageFull: return .full
        case .storageUnavailable: return .unavailable
        // Another process held the write lock past the busy timeout: no write
        // can commit until it lets go, which the probe write notices.
        case .storageBusy: return .unavailable
        default: return nil
        }
    }
}
