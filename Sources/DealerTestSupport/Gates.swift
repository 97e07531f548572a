import Synchronization
import Dispatch

/// Named gates that blocking test handlers wait on until the test opens them.
/// Counts arrivals so a test can wait until a handler is inside its call.
public final class Gates: Sendable {
    public init() {}
    private let state = Mutex<[String: (open: Bool, waiters: [DispatchSemaphore], arrived: Int)]>([:])
    private let arrivals = Mutex<(nextID: Int, waiting: [Arrival])>((0, []))

    private struct Arrival {
        let id: Int
        let name: String
        let count: Int
        let continuation: CheckedContinuation<Void, Never>
    }

    /// Blocks the calling (worker) thread until `name` opens.
    public func wait(_ name: String) {
        let semaphore = DispatchSemaphore(value: 0)
        let mustWait = state.withLock { state -> Bool in
            var entry = state[name] ?? (false, [], 0)
            entry.arrived += 1
            if !entry.open { entry.waiters.append(semaphore) }
            state[name] = entry
            return !entry.open
        }
        notifyArrivals()
        if mustWait { semaphore.wait() }
    }

    public func open(_ name: String) {
        let waiters = state.withLock { state -> [DispatchSemaphore] in
            var entry = state[name] ?? (false, [], 0)
            entry.open = true
            let waiters = entry.waiters
            entry.waiters = []
            state[name] = entry
            return waiters
        }
        for waiter in waiters { waiter.signal() }
    }

    /// How many handlers have reached gate `name` so far.
    public func arrivals(_ name: String) -> Int {
        state.withLock { $0[name]?.arrived ?? 0 }
    }

    /// Returns once `count` handlers have reached gate `name`, or when the
    /// task is cancelled (a suite's time limit cancels a test that waits for
    /// a handler that never comes, so it fails instead of hanging the run).
    public func arrived(_ name: String, count: Int = 1) async {
        let id = arrivals.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                arrivals.withLock { $0.waiting.append(Arrival(id: id, name: name, count: count, continuation: continuation)) }
                // Cancelled before the continuation was registered: onCancel found nothing.
                if Task.isCancelled { stopWaiting(id) }
                notifyArrivals()
            }
        } onCancel: {
            stopWaiting(id)
        }
    }

    private func stopWaiting(_ id: Int) {
        let cancelled = arrivals.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let index = state.waiting.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiting.remove(at: index).continuation
        }
        cancelled?.resume()
    }

    private func notifyArrivals() {
        let counts = state.withLock { $0.mapValues(\.arrived) }
        let ready = arrivals.withLock { state -> [CheckedContinuation<Void, Never>] in
            var ready: [CheckedContinuation<Void, Never>] = []
            state.waiting.removeAll { arrival in
                guard counts[arrival.name, default: 0] >= arrival.count else { return false }
                ready.append(arrival.continuation)
                return true
            }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }
}
