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
/// Each write still sees the effects of the writes before it (they run one
/// after another on the single writer connection), a write that throws is
/// rolled back to its savepoint alone, and nobody is answered before the
/// group's COMMIT succeeded: an acknowledged write is durable. If the
/// transaction itself fails (COMMIT, or an error that ends the transaction),
/// every write of the group fails.
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
        /// Writes queued or in the group being committed, not answered yet.
        var pending = 0
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

    /// Writes handed to the committer and not answered yet: queued for a group,
    /// or in the group being committed.
    var pendingWrites: Int { queue.withLock { $0.pending } }

    /// Runs `body` on the writer connection between group commits (no transaction
    /// open). For settings such as pragmas; never for data writes.
    func withWriter<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) throws -> T {
        try writer.withLock { db in try body(db) }
    }

    /// The transaction a dedicated writer thread holds open while it runs a
    /// batch of write handlers (`runGroup`): their writes run inline, each in
    /// its own savepoint, and are committed together at the end.
    final class InlineGroup {
        let committer: GroupCommitter
        let db: SQLiteConnection
        var writes = 0
        /// Set once a failure ended the transaction: every later write of the batch fails with it.
        var failure: (any Error)?
        var storageProblem: StoreHealth.Problem?

        init(committer: GroupCommitter, db: SQLiteConnection) {
            self.committer = committer
            self.db = db
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
    /// failure that voids the batch (BEGIN or COMMIT failed, or a write's
    /// failure ended the transaction), nil once the batch is durable.
    func runGroup(_ body: () -> Void) -> (any Error)? {
        writer.withLock { db in
            health.groupStarted()
            defer { health.groupEnded() }
            let started = DispatchTime.now().uptimeNanoseconds
            do {
                try db.execute("BEGIN IMMEDIATE")
            } catch {
                health.record(StoreHealth.problem(of: error))
                return error
            }
            let group = InlineGroup(committer: self, db: db)
            let unmanaged = Unmanaged.passRetained(group)
            pthread_setspecific(Self.inlineGroupKey, unmanaged.toOpaque())
            body()
            pthread_setspecific(Self.inlineGroupKey, nil)
            unmanaged.release()
            if let failure = group.failure {
                if let problem = StoreHealth.problem(of: failure) { health.record(problem) }
                if db.inTransaction { try? db.execute("ROLLBACK") }
                publishIdentityChanges(db)
                return failure
            }
            do {
                try db.execute("COMMIT")
            } catch {
                if let problem = StoreHealth.problem(of: error) { health.record(problem) }
                if db.inTransaction { try? db.execute("ROLLBACK") }
                publishIdentityChanges(db)
                return error
            }
            health.record(group.storageProblem)
            if group.writes > 0, let observer = commitObserver.withLock({ $0 }) {
                observer.observe(group.writes, DispatchTime.now().uptimeNanoseconds - started)
            }
            publishIdentityChanges(db)
            return nil
        }
    }

    /// One write inside the inline group: its own savepoint, rolled back alone if it throws.
    private func runInline<T>(_ body: (SQLiteConnection) throws -> T, in group: InlineGroup) throws -> T {
        if let failure = group.failure { throw failure }
        let db = group.db
        try db.run("SAVEPOINT write")
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
                queue.pending += 1
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
            queue.withLock { $0.pending -= group.count }
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

    private func commit(_ group: [Job], _ db: SQLiteConnection) {
        health.groupStarted()
        let started = DispatchTime.now().uptimeNanoseconds
        defer {
            health.groupEnded()
            for job in group { job.finish() }
        }
        do {
            try db.execute("BEGIN IMMEDIATE")
        } catch {
            health.record(StoreHealth.problem(of: error))
            for job in group { job.failAll(error) }
            return
        }
        // The first storage failure a write of the group met (its savepoint is
        // rolled back, the others may still commit): recorded after COMMIT.
        var storageProblem: StoreHealth.Problem?
        for job in group {
            // One savepoint name for every write: each is released (or rolled back to
            // and released) before the next begins, so these two statements are
            // prepared once and reused from the connection's statement cache.
            do {
                try db.run("SAVEPOINT write")
            } catch {
                abort(group, db, error)
                return
            }
            if let error = job.run(db) {
                storageProblem = storageProblem ?? StoreHealth.problem(of: error)
                guard db.inTransaction else {
                    // The failure ended the whole transaction (I/O error, disk full):
                    // nothing of this group was committed, and every write of it
                    // fails with that failure.
                    abort(group, db, error)
                    return
                }
                do {
                    try db.execute("ROLLBACK TO write; RELEASE write")
                } catch {
                    abort(group, db, error)
                    return
                }
            } else {
                do { try db.run("RELEASE write") } catch {
                    abort(group, db, error)
                    return
                }
            }
        }
        do {
            try db.execute("COMMIT")
            health.record(storageProblem)
            if let observer = commitObserver.withLock({ $0 }) {
                observer.observe(group.count, DispatchTime.now().uptimeNanoseconds - started)
            }
        } catch {
            abort(group, db, error)
            return
        }
        publishIdentityChanges(db)
    }

    /// Hands the identity rows the group touched to the observers. Also after
    /// a rollback (an invalidation too many costs a cache miss, never a stale read).
    private func publishIdentityChanges(_ db: SQLiteConnection) {
        let changes = db.takeIdentityChanges()
        guard !changes.isEmpty else { return }
        for observer in identityObservers.withLock({ $0 }) { observer.observe(changes) }
    }

    /// Rolls the group back and fails every write in it.
    private func abort(_ group: [Job], _ db: SQLiteConnection, _ error: any Error) {
        if let problem = StoreHealth.problem(of: error) { health.record(problem) }
        if db.inTransaction {
            do { try db.execute("ROLLBACK") } catch let rollbackError {
                logger.error("rollback failed", metadata: ["error": "\(rollbackError)"])
            }
        }
        publishIdentityChanges(db)
        logger.error("group commit failed", metadata: ["writes": "\(group.count)", "error": "\(error)"])
        for job in group { job.failAll(error) }
    }
}
