import NIOCore
import NIOPosix
import Synchronization

/// Runs blocking handler work off the event loops, in batches.
///
/// Event loops enqueue jobs; a worker thread drains every job queued so far
/// in one wake-up, and hands the results back with one `execute` per event
/// loop per batch, not one thread hop per call.
final class BlockingExecutor: Sendable {
    struct Job: Sendable {
        let eventLoop: any EventLoop
        /// Past this, the work is skipped and the job fails with DEADLINE_EXCEEDED.
        let deadline: NIODeadline?
        let work: @Sendable () throws -> [UInt8]
        /// Runs on `eventLoop`.
        let completion: @Sendable (Result<[UInt8], any Error>) -> Void
    }

    private struct Queue {
        var jobs = CircularBuffer<Job>(initialCapacity: 256)
        var activeWorkers = 0
    }

    private let pool: NIOThreadPool
    private let threads: Int
    private let queue = Mutex(Queue())
    /// Most jobs one worker takes at once; the rest stay for other workers.
    private static let batchLimit = 64

    init(threads: Int) {
        self.threads = max(1, threads)
        self.pool = NIOThreadPool(numberOfThreads: self.threads)
        pool.start()
    }

    func submit(_ job: Job) {
        let startWorker = queue.withLock { queue in
            queue.jobs.append(job)
            guard queue.activeWorkers < threads else { return false }
            queue.activeWorkers += 1
            return true
        }
        if startWorker {
            // Also run when the pool is shutting down (state .cancelled): the
            // queued jobs belong to calls that are still owed an answer.
            pool.submit { [self] _ in drain() }
        }
    }

    /// Lets the worker threads exit once the work they run now is done;
    /// does not wait for them (a stuck job must not hold shutdown forever).
    func beginShutdown() {
        pool.shutdownGracefully { _ in }
    }

    private func drain() {
        while true {
            let batch: [Job] = queue.withLock { queue in
                guard !queue.jobs.isEmpty else {
                    queue.activeWorkers -= 1
                    return []
                }
                // Share the backlog with the other workers that are running.
                let share = max(1, min(Self.batchLimit, queue.jobs.count / max(1, queue.activeWorkers)))
                var batch: [Job] = []
                batch.reserveCapacity(share)
                for _ in 0..<share { batch.append(queue.jobs.removeFirst()) }
                return batch
            }
            if batch.isEmpty { return }
            run(batch)
        }
    }

    private func run(_ batch: [Job]) {
        var completions: [ObjectIdentifier: (any EventLoop, [@Sendable () -> Void])] = [:]
        for job in batch {
            let result: Result<[UInt8], any Error>
            if let deadline = job.deadline, deadline <= .now() {
                result = .failure(CallErrors.deadlineExceeded)
            } else {
                result = Result { try job.work() }
            }
            let completion = job.completion
            completions[ObjectIdentifier(job.eventLoop), default: (job.eventLoop, [])].1.append { completion(result) }
        }
        for (eventLoop, callbacks) in completions.values {
            eventLoop.execute {
                for callback in callbacks { callback() }
            }
        }
    }
}
