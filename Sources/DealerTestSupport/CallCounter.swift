import Synchronization

/// Counts how often the test method `TestMethods.count` ran, per key, so a
/// test can prove that no call executed twice. One counter may be shared by
/// the method tables of several servers.
public final class CallCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    public init() {}

    func record(_ key: String) {
        counts.withLock { $0[key, default: 0] += 1 }
    }

    /// Executions of `key` so far.
    public func count(_ key: String) -> Int {
        counts.withLock { $0[key, default: 0] }
    }

    /// Every key with its executions.
    public var all: [String: Int] {
        counts.withLock { $0 }
    }
}
