import NIOCore
import Synchronization

/// Hands finished calls back to one event loop.
///
/// A worker posts each result the moment its handler returns. The first
/// post schedules one `execute` on the loop; results posted before that
/// task runs ride along with it. Only results that are already finished are
/// coalesced: nothing waits for work still running.
final class CompletionMailbox: Sendable {
    let eventLoop: any EventLoop
    private let pending = Mutex<(callbacks: [@Sendable () -> Void], scheduled: Bool)>(([], false))

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Runs `callback` on the event loop, soon.
    func post(_ callback: @escaping @Sendable () -> Void) {
        let mustSchedule = pending.withLock { pending in
            pending.callbacks.append(callback)
            guard !pending.scheduled else { return false }
            pending.scheduled = true
            return true
        }
        if mustSchedule {
            eventLoop.execute { [self] in deliver() }
        }
    }

    private func deliver() {
        let callbacks = pending.withLock { pending in
            pending.scheduled = false
            var taken: [@Sendable () -> Void] = []
            swap(&taken, &pending.callbacks)
            return taken
        }
        for callback in callbacks { callback() }
    }
}
