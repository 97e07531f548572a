import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization

/// Commits concurrent write transactions together: the first writer to
/// arrive becomes the leader and runs every queued write in one
/// `BEGIN IMMEDIATE` transaction, each inside its own SAVEPOINT, then
/// commits once — one fsync for the whole group instead of one per write.
///
/// A dedicated writer thread can instead run a whole batch of handlers in
/// one such transaction (`runGroup`); both take the same path
/// (`beginGroup`, `runInline` per write, `endGroup`).
///
/// Each write still sees the effects of the writes before it (they run one
/// after another on the single writer connection), a write that throws is
/// rolled back to its savepoint alone, and nobody is answered before the
/// group's COMMIT succeeded: an acknowledged write is durable. If the
/// transaction itself fails (BEGIN, a savepoint, COMMIT, or an error that
/// ends the transaction), every write of the group fails.
final class GroupCommitter: Sendable {
    /// One queued write, type-erased. Runs on the leader's thread.
    private final class Job: @unchecked Sendable {
        // @unchecked: `run`, `failAll` and `finished` are used only by the leader
        // while it holds the writer connection; the waiting caller reads the
        // outcome and `finished` after `done` was signalled, which orders the
        // accesses (DispatchSemaphore signal/wait).
        /// Runs the write; returns its error, nil on success.
        private(set) var run: (SQLiteConnection) -> (any Error)?
        private(set) var failAll: (any Error) -> Void
        let done = DispatchSemaphore(value: 0)
        private(set) var finished = false

        init(run: @escaping (SQLiteConnection) -> (any Error)?, failAll: @escaping (any Error) -> Void) {
            self.run = run
            self.failAll = failAll
        }

        /// Marks the write done and drops its closures, which capture the caller's
        /// non-escaping `body`: the leader may still hold this job when its caller
        /// returns from `withoutActuallyEscaping`, which must find `body` released.
        func finish() {
            finished = true
            run = { _ in nil }
            failAll = { _ in }
        }
    }

    private struct Queue {
        var jobs: [Job] = []
        var leaderActive = false
    }

    private let writer: Mutex<SQLiteConnection>
    private let queue = Mutex(Queue())
    /// Told, after each COMMIT and before any write of the group is answered,
    /// which identity rows the group changed (see `observeIdentityChanges`).
    private let identityObservers = Mutex<[IdentityObserver]>([])
    private let logger: Logger
    /// Updated after every group: the storage failure it met, or healthy after a clean commit.
    let health: StoreHealth
    /// Told about every committed group: its writes and nanoseconds from BEGIN
    /// to COMMIT (`DealerStore.observeCommits`, for metrics).
    let commitObserver = Mutex<CommitObserver?>(nil)

    // The observers are closures inside structs, never closures stored in the
    // `Mutex` directly: a closure kept in a generic container is re-abstracted
    // on every `withLock` access and written back wrapped in one more thunk,
    // so each read grew a chain of thunks that every later call walked (its
    // cost and stack depth grew with every commit since the start).

    /// Told about every committed group (see `commitObserver`).
    struct CommitObserver: Sendable {
        let observe: @Sendable (_ writes: Int, _ nanoseconds: UInt64) -> Void
    }

    /// Told which identity rows a group changed (see `observeIdentityChanges`).
    private struct IdentityObserver: Sendable {
        let observe: @Sendable (IdentityRowChanges) -> Void
    }
    /// Most writes in one transaction; the rest wait for the next group.
    private static let maxGroupSize = 64

    init(writer: sending SQLiteConnection, health: StoreHealth, logger: Logger) {
        writer.recordIdentityChanges()
        self.writer = Mutex(writer)
        self.health = health
        self.logger = logger
    }

    /// Calls `observer` after every COMMIT that updated or deleted rows of
    /// `sessions`, `users` or `accounts`, on the committing thread, before any
    /// write of that group returns: an acknowledged write has been observed.
    /// It must be quick and must not use the store.
    func observeIdentityChanges(_ observer: @escaping @Sendable (IdentityRowChanges) -> Void) {
        identityObservers.withLock { $0.append(IdentityObserver(observe: observer)) }
    }

    /// Runs `body` on the writer connection between group commits (no transaction
    /// open). For settings such as pragmas; never for data writes.
    func withWriter<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) throws -> T {
        try writer.withLock { db in try body(db) }
    }

    /// One open group transaction: a leader's queued writes, or the batch of
    /// write handlers a dedicated writer thread runs (`runGroup`, where it is
    /// also this thread's `currentInlineGroup`). Its writes run one after
    /// another, each in its own savepoint, and are committed together.
    final class InlineGroup {
        let committer: GroupCommitter
        let db: SQLiteConnection
        var writes = 0
        /// Set once a failure ended the transaction: every later write of the batch fails with it.
        var failure: (any Error)?
        var storageProblem: StoreHealth.Problem?
        /// When BEGIN was issued, in uptime nanoseconds (for the commit observer).
        let started: UInt64

        init(committer: GroupCommitter, db: SQLiteConnection, started: UInt64) {
            self.committer = committer
            self.db = db
            self.started = started
        }
    }

    /// The inline group open on this thread, if any.
    static var currentInlineGroup: InlineGroup? {
        guard let raw = pthread_getspecific(inlineGroupKey) else { return nil }
        return Unmanaged<InlineGroup>.fromOpaque(raw).takeUnretainedValue()
    }

    private static let inlineGroupKey: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0)
        return key
    }()

    /// Runs `body` (which makes any number of `write` calls) on the writer
    /// connection inside one transaction: every `write` on this thread runs
    /// inline in its own savepoint; COMMIT once at the end. Returns the
    /// failure that voids the batch (BEGIN, a SAVEPOINT or COMMIT failed, or a
    /// write's failure ended the transaction), nil once the batch is durable.
    func runGroup(_ body: () -> Void) -> (any Error)? {
        writer.withLock { db in
            let group: InlineGroup
            switch beginGroup(db) {
            case .success(let begun): group = begun
            case .failure(let error): return error
            }
            let unmanaged = Unmanaged.passRetained(group)
            pthread_setspecific(Self.inlineGroupKey, unmanaged.toOpaque())
            body()
            pthread_setspecific(Self.inlineGroupKey, nil)
            unmanaged.release()
            return endGroup(group)
        }
    }

    // The one transaction of both paths, a leader's group and a write batch:
    // `beginGroup`, the writes through `runInline` in that group, `endGroup`.

    /// BEGIN IMMEDIATE; the group the writes run in.
    private func beginGroup(_ db: SQLiteConnection) -> Result<InlineGroup, any Error> {
        health.groupStarted()
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            try db.execute("BEGIN IMMEDIATE")
        } catch {
            health.record(StoreHealth.problem(of: error))
            health.groupEnded()
            return .failure(error)
        }
        return .success(InlineGroup(committer: self, db: db, started: started))
    }

    /// COMMIT, or ROLLBACK if a failure voided the group. Records the store's
    /// health, tells the commit observer, and publishes the identity rows
    /// touched, committed or not (an invalidation too many costs a cache miss,
    /// never a stale read). Returns the failure that voids the group, nil once
    /// it is durable.
    private func endGroup(_ group: InlineGroup) -> (any Error)? {
        defer { health.groupEnded() }
        let db = group.db
        if group.failure == nil {
            do { try db.execute("COMMIT") } catch { group.failure = error }
        }
        if let failure = group.failure {
            if let problem = StoreHealth.problem(of: failure) { health.record(problem) }
            if db.inTransaction {
                do { try db.execute("ROLLBACK") } catch {
                    logger.error("rollback failed", metadata: ["error": "\(error)"])
                }
            }
            publishIdentityChanges(db)
            logger.error("group commit failed", metadata: ["writes": "\(group.writes)", "error": "\(failure)"])
            return failure
        }
        // The first storage failure a write met (its savepoint was rolled back,
        // the others committed): recorded only now.
        health.record(group.storageProblem)
        if group.writes > 0, let observer = commitObserver.withLock({ $0 }) {
            observer.observe(group.writes, DispatchTime.now().uptimeNanoseconds - group.started)
        }
        publishIdentityChanges(db)
        return nil
    }

    /// One write inside a group: its own savepoint, rolled back alone if it
    /// throws. A failure that ends the transaction, or a savepoint that cannot
    /// be opened or rolled back, voids the group: later writes fail with it.
    ///
    /// One savepoint name for every write: each is released (or rolled back to
    /// and released) before the next begins, so these statements are prepared
    /// once and reused from the connection's statement cache.
    private func runInline<T>(_ body: (SQLiteConnection) throws -> T, in group: InlineGroup) throws -> T {
        if let failure = group.failure { throw failure }
        let db = group.db
        do {
            try db.run("SAVEPOINT write")
        } catch {
            group.failure = error
            throw error
        }
        do {
            let result = try body(db)
            try db.run("RELEASE write")
            group.writes += 1
            return result
        } catch {
            group.storageProblem = group.storageProblem ?? StoreHealth.problem(of: error)
            if !db.inTransaction {
                group.failure = error
            } else {
                do { try db.execute("ROLLBACK TO write; RELEASE write") } catch let rollback {
                    group.failure = rollback
                }
            }
            throw error
        }
    }

    /// Runs `body` as part of a group transaction and returns once the group committed.
    func write<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        if let group = Self.currentInlineGroup, group.committer === self {
            return try runInline(body, in: group)
        }
        return try withoutActuallyEscaping(body) { body in
            var outcome: Result<T, any Error>? = nil
            let job = Job(
                run: { db in
                    do {
                        outcome = .success(try body(db))
                        return nil
                    } catch {
                        outcome = .failure(error)
                        return error
                    }
                },
                failAll: { error in outcome = .failure(error) })
            let leads = queue.withLock { queue in
                queue.jobs.append(job)
                guard !queue.leaderActive else { return false }
                queue.leaderActive = true
                return true
            }
            if !leads {
                job.done.wait()
            }
            if !job.finished {
                // Either the first writer, or promoted by a leader that stepped down.
                lead(until: job)
            }
            return try outcome!.get()
        }
    }

    /// Commits groups until `own` is done, then hands leadership to a waiting writer.
    private func lead(until own: Job) {
        while !own.finished {
            let group = queue.withLock { queue in
                let group = Array(queue.jobs.prefix(Self.maxGroupSize))
                queue.jobs.removeFirst(group.count)
                return group
            }
            writer.withLock { db in commit(group, db) }
            for job in group where job !== own {
                job.done.signal()
            }
        }
        let next: Job? = queue.withLock { queue in
            guard let next = queue.jobs.first else {
                queue.leaderActive = false
                return nil
            }
            return next
        }
        // Its caller wakes, finds its write not done, and leads the next group.
        next?.done.signal()
    }

    /// Runs a leader's queued writes as one group. Each job keeps its own
    /// outcome; a failure that voids the group becomes every job's outcome.
    private func commit(_ jobs: [Job], _ db: SQLiteConnection) {
        defer { for job in jobs { job.finish() } }
        let failure: (any Error)?
        switch beginGroup(db) {
        case .success(let group):
            for job in jobs {
                _ = try? runInline({ db in if let error = job.run(db) { throw error } }, in: group)
            }
            failure = endGroup(group)
        case .failure(let error):
            failure = error
        }
        if let failure {
            for job in jobs { job.failAll(failure) }
        }
    }

    /// Hands the identity rows the group touched to the observers. Also after
    /// a rollback (an invalidation too many costs a cache miss, never a stale read).
    private func publishIdentityChanges(_ db: SQLiteConnection) {
        let changes = db.takeIdentityChanges()
        guard !changes.isEmpty else { return }
        for observer in identityObservers.withLock({ $0 }) { observer.observe(changes) }
    }
}
