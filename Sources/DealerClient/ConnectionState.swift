import NIOCore
import Synchronization

/// What a connection's handler (on its event loop) shares with callers on
/// other threads: whether it still takes calls, the calls outstanding, and
/// the keepalive Pongs received.
final class ConnectionState: Sendable {
    private let usable = Atomic<Bool>(true)
    private let outstanding = Atomic<Int>(0)
    private let pongs = Atomic<Int>(0)
    /// Succeeds once the connection takes no new calls (GoAway, drain or close).
    let unusable: EventLoopPromise<Void>

    init(eventLoop: any EventLoop) {
        unusable = eventLoop.makePromise()
    }

    var isUsable: Bool { usable.load(ordering: .relaxed) }
    var outstandingCalls: Int { outstanding.load(ordering: .relaxed) }
    var keepalivePongs: Int { pongs.load(ordering: .relaxed) }

    func markUnusable() {
        if usable.exchange(false, ordering: .relaxed) { unusable.succeed() }
    }

    func closed() { markUnusable() }
    func callStarted() { outstanding.add(1, ordering: .relaxed) }
    func callEnded() { outstanding.subtract(1, ordering: .relaxed) }
    func keepalivePongReceived() { pongs.add(1, ordering: .relaxed) }
}
