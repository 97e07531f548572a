import Synchronization

/// Established idle connections that the server closed while they were held,
/// counted from every event loop; the first reason is kept for the report.
final class IdleConnectionLosses: Sendable {
    private let state = Mutex<(count: Int, firstReason: String?)>((0, nil))

    func record(_ reason: String) {
        state.withLock { state in
            state.count += 1
            if state.firstReason == nil { state.firstReason = reason }
        }
    }

    var count: Int { state.withLock { $0.count } }
    var firstReason: String? { state.withLock { $0.firstReason } }
}
