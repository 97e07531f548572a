import Synchronization

/// Calls and errors of every connection of a run, readable from any thread
/// for the once-a-second progress line.
final class ScenarioProgress: Sendable {
    private let calls = Atomic<UInt64>(0)
    private let errors = Atomic<UInt64>(0)

    func record(error: Bool) {
        calls.add(1, ordering: .relaxed)
        if error { errors.add(1, ordering: .relaxed) }
    }

    var totals: (calls: UInt64, errors: UInt64) {
        (calls.load(ordering: .relaxed), errors.load(ordering: .relaxed))
    }
}
