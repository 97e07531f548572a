import DealerProtocol
import NIOCore
import Synchronization

/// Calls started by tasks and not yet handed to the connection's event loop.
///
/// A task that starts a call appends it here; only the first call into an
/// empty queue schedules a task on the event loop, and that task hands over
/// every call appended meanwhile with one pipeline write and one flush. Under
/// concurrency this turns a loop hop, a wake-up and a `write` system call per
/// call into one per batch.
final class CallSubmissionQueue: Sendable {
    /// One call to send: its length-prefixed Request frame and the promise of its Response.
    struct Submission: Sendable {
        let callID: UInt64
        let frame: ByteBuffer
        let timeout: TimeAmount?
        let response: EventLoopPromise<ResponseEnvelope>
    }

    private struct State {
        var submissions: [Submission] = []
        var drainScheduled = false
    }

    private let state = Mutex(State())

    /// Queues `submission`; true when the caller must schedule `takeAll` on
    /// the event loop (no drain is scheduled yet).
    func append(_ submission: Submission) -> Bool {
        state.withLock { state in
            state.submissions.append(submission)
            guard !state.drainScheduled else { return false }
            state.drainScheduled = true
            return true
        }
    }

    /// Every queued call, in the order they were appended; the next append schedules a new drain.
    func takeAll() -> [Submission] {
        state.withLock { state in
            state.drainScheduled = false
            defer { state.submissions = [] }
            return state.submissions
        }
    }
}
