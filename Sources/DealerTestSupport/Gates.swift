import Synchronization
import Dispatch

/// Named gates that blocking test handlers wait on until the test opens them.
/// Counts arrivals so a test can wait until a handler is inside its call.
public final class Gates: Sendable {
    public init() {}
    private let state = Mutex<[String: (open: Bool, waiters: [DispatchSemaphore], arrived: Int)]>([:])
    private let arrivals = Mutex<[(String, Int, CheckedContinuation<Void, Never>)]>([])

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

    /// Returns once `count` handlers have reached gate `name`.
    public func arrived(_ name: String, count: Int = 1) async {
        await withCheckedContinuation { continuation in
            arrivals.withLock { $0.append((name, count, continuation)) }
            notifyArrivals()
        }
    }

    private func notifyArrivals() {
        let counts = state.withLock { $0.mapValues(\.arrived) }
        let ready = arrivals.withLock { list -> [CheckedContinuation<Void, Never>] in
            var ready: [CheckedContinuation<Void, Never>] = []
            list.removeAll { name, count, continuation in
                guard counts[name, default: 0] >= count else { return false }
                ready.append(continuation)
                return true
            }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }
}
