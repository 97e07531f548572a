import DealerServices
import NIOCore
import NIOPosix
import Synchronization

/// One execution lane: a fixed number of worker threads and a bounded FIFO
/// queue of calls waiting for them.
///
/// A worker takes one job at a time and posts its result to the job's
/// `CompletionMailbox` as soon as the handler returns, so no finished call
/// waits for other work. The write lane is the exception (a `WriteBatchRunner`):
/// its one worker takes up to `maxBatch` waiting jobs, runs them inside one
/// write transaction and posts their results once it committed; if it could
/// not commit, every job of the batch that succeeded gets the runner's error
/// instead. A job still in the queue can be withdrawn (`cancel`); a job whose
/// deadline passed while it waited is dropped when a worker reaches it.
/// Either way its work never runs.
final class BlockingExecutor: Sendable {
    struct Job: Sendable {
        /// Past this, the work is skipped and the job fails with DEADLINE_EXCEEDED.
        let deadline: NIODeadline?
        let work: @Sendable () throws -> ByteBuffer
        /// Where `completion` runs.
        let mailbox: CompletionMailbox
        /// Runs on the mailbox's event loop, once, unless the job was cancelled.
        let completion: @Sendable (Result<ByteBuffer, any Error>) -> Void
    }

    /// Names a submitted job, to withdraw it while it still waits.
    struct Ticket: Hashable, Sendable {
        fileprivate let number: UInt64
    }

    private struct State {
        /// Waiting jobs in arrival order (so by ticket number); a withdrawn one
        /// stays as nil until a worker skips it or the queue is compacted.
        var queue = CircularBuffer<(ticket: UInt64, job: Job?)>(initialCapacity: 64)
        /// Jobs in `queue` that are not withdrawn.
        var waitingCount = 0
        var nextTicket: UInt64 = 0
        var activeWorkers = 0
        var statistics = LaneStatistics(
            waiting: 0, peakWaiting: 0, running: 0, rejected: 0, droppedBeforeStart: 0, completed: 0)
    }

    let name: String
    let threads: Int
    /// Calls that may wait beyond the ones running on the `threads` workers.
    let maxQueueLength: Int
    private let pool: NIOThreadPool
    private let state = Mutex(State())

    /// With a runner (the write lane), the one worker takes up to
    /// `maxBatch` waiting jobs at once and runs them inside one write
    /// transaction; their results are posted once it committed.
    private let batchRunner: WriteBatchRunner?
    static let maxBatch = 64
    /// Calls that may run at once: one per thread, or a batch.
    private var runningLimit: Int { batchRunner == nil ? threads : Self.maxBatch }

    init(name: String, threads: Int, maxQueueLength: Int, batchRunner: WriteBatchRunner? = nil) {
        self.name = name
        self.batchRunner = batchRunner
        self.threads = batchRunner == nil ? max(1, threads) : 1
        self.maxQueueLength = max(0, maxQueueLength)
        self.pool = NIOThreadPool(numberOfThreads: self.threads)
        pool.start()
    }

    /// Queues `job`, or returns nil without queueing it when the lane already
    /// holds `threads` (or, batched, `maxBatch`) + `maxQueueLength` calls
    /// (running or waiting).
    func submit(_ job: Job) -> Ticket? {
        let admitted: (ticket: UInt64, startWorker: Bool)? = state.withLock { state in
            guard state.statistics.running + state.waitingCount < runningLimit + maxQueueLength else {
                state.statistics.rejected += 1
                return nil
            }
            state.nextTicket += 1
            let ticket = state.nextTicket
            state.queue.append((ticket, job))
            state.waitingCount += 1
            state.statistics.peakWaiting = max(state.statistics.peakWaiting, state.waitingCount)
            guard state.activeWorkers < threads else { return (ticket, false) }
            state.activeWorkers += 1
            return (ticket, true)
        }
        guard let admitted else { return nil }
        if admitted.startWorker {
            // Also runs when the pool is shutting down (state .cancelled): the
            // queued jobs belong to calls that are still owed an answer.
            pool.submit { [self] _ in work() }
        }
        return Ticket(number: admitted.ticket)
    }

    /// Withdraws a job that no worker has taken yet. Returns false when it
    /// has started (or finished): then its completion runs as usual.
    func cancel(_ ticket: Ticket) -> Bool {
        state.withLock { state in
            // Tickets are in increasing order along the queue: binary search.
            var low = state.queue.startIndex
            var count = state.queue.count
            while count > 0 {
                let half = count / 2
                let middle = state.queue.index(low, offsetBy: half)
                if state.queue[middle].ticket < ticket.number {
                    low = state.queue.index(after: middle)
                    count -= half + 1
                } else {
                    count = half
                }
            }
            guard low != state.queue.endIndex, state.queue[low].ticket == ticket.number, state.queue[low].job != nil else {
                return false
            }
            state.queue[low].job = nil
            state.waitingCount -= 1
            state.statistics.droppedBeforeStart += 1
            // Keep withdrawn entries from piling up while every worker is busy.
            if state.queue.count > 2 * state.waitingCount + 64 {
                state.queue = CircularBuffer(state.queue.filter { $0.job != nil })
            }
            return true
        }
    }

    var statistics: LaneStatistics {
        state.withLock { state in
            var statistics = state.statistics
            statistics.waiting = state.waitingCount
            return statistics
        }
    }

    /// Lets the worker threads exit once the work they run now is done;
    /// does not wait for them (a stuck job must not hold shutdown forever).
    func beginShutdown() {
        pool.shutdownGracefully { _ in }
    }

    /// The worker of a batch lane: takes the waiting jobs (up to `maxBatch`),
    /// runs them in one write transaction, posts their results, repeats.
    private func workBatches(_ runner: WriteBatchRunner) {
        var finished = 0
        while let batch = takeBatch(afterFinishing: finished) {
            var results = [Result<ByteBuffer, any Error>?](repeating: nil, count: batch.count)
            var live: [Int] = []
            for index in batch.indices {
                if batch[index].expired {
                    results[index] = .failure(CallErrors.deadlineExceeded)
                } else {
                    live.append(index)
                }
            }
            if !live.isEmpty {
                let failure = runner.run {
                    for index in live { results[index] = Result { try batch[index].job.work() } }
                }
                // The batch's writes were rolled back: no call of it may report success
                // (a call that already failed keeps its own error).
                if let failure {
                    for index in live where (try? results[index]?.get()) != nil { results[index] = .failure(failure) }
                }
            }
            for index in batch.indices {
                let completion = batch[index].job.completion
                let result = results[index]!
                batch[index].job.mailbox.post { completion(result) }
            }
            finished = live.count
        }
    }

    /// The next jobs for the batch worker (each with whether its deadline passed while it waited).
    private func takeBatch(afterFinishing finished: Int) -> [(job: Job, expired: Bool)]? {
        state.withLock { state in
            state.statistics.running -= finished
            state.statistics.completed += finished
            var batch: [(job: Job, expired: Bool)] = []
            let now = NIODeadline.now()
            while batch.count < Self.maxBatch, let entry = state.queue.popFirst() {
                guard let job = entry.job else { continue }
                state.waitingCount -= 1
                if let deadline = job.deadline, deadline <= now {
                    state.statistics.droppedBeforeStart += 1
                    batch.append((job, true))
                } else {
                    state.statistics.running += 1
                    batch.append((job, false))
                }
            }
            if batch.isEmpty {
                state.activeWorkers -= 1
                return nil
            }
            return batch
        }
    }

    /// One worker: takes the oldest waiting job, runs it, posts its result, repeats.
    private func work() {
        if let batchRunner {
            workBatches(batchRunner)
            return
        }
        var finishedOne = false
        while let (job, expired) = take(afterFinishing: finishedOne) {
            let result: Result<ByteBuffer, any Error>
            if expired {
                // Past its deadline while it waited: answered, never run.
                result = .failure(CallErrors.deadlineExceeded)
                finishedOne = false
            } else {
                result = Result { try job.work() }
                finishedOne = true
            }
            let completion = job.completion
            job.mailbox.post { completion(result) }
        }
    }

    /// The next job for a worker, and whether its deadline passed while it waited.
    private func take(afterFinishing finishedOne: Bool) -> (Job, expired: Bool)? {
        state.withLock { state in
            if finishedOne {
                state.statistics.running -= 1
                state.statistics.completed += 1
            }
            while let entry = state.queue.popFirst() {
                guard let job = entry.job else { continue }
                state.waitingCount -= 1
                if let deadline = job.deadline, deadline <= .now() {
                    state.statistics.droppedBeforeStart += 1
                    return (job, true)
                }
                state.statistics.running += 1
                return (job, false)
            }
            state.activeWorkers -= 1
            return nil
        }
    }
}
