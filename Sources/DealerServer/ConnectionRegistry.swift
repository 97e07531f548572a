import NIOCore
import Synchronization

/// The open connections of a server, so shutdown can drain each of them,
/// and their count in total and per peer IP address, so the server can
/// refuse connections above its limits.
final class ConnectionRegistry: Sendable {
    private struct Entry {
        let channel: any Channel
        let peer: String
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var perPeer: [String: Int] = [:]
    }

    private let maxConnections: Int
    private let maxConnectionsPerPeer: Int
    private let state = Mutex(State())

    init(maxConnections: Int = .max, maxConnectionsPerPeer: Int = .max) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerPeer = maxConnectionsPerPeer
    }

    /// Registers `channel` if the limits leave room for it; returns false
    /// (registering nothing) when it is one too many. Its slot is freed by
    /// `release(_:)` or, at the latest, when it closes.
    func admit(_ channel: any Channel) -> Bool {
        let id = ObjectIdentifier(channel)
        let peer = channel.remoteAddress?.ipAddress ?? "unknown"
        let admitted = state.withLock { state in
            guard state.entries.count < maxConnections, state.perPeer[peer, default: 0] < maxConnectionsPerPeer else {
                return false
            }
            state.entries[id] = Entry(channel: channel, peer: peer)
            state.perPeer[peer, default: 0] += 1
            return true
        }
        if admitted {
            channel.closeFuture.whenComplete { [self] _ in release(channel) }
        }
        return admitted
    }

    /// Frees the slot of `channel`; does nothing if it holds none (any more).
    func release(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        state.withLock { state in
            guard let entry = state.entries.removeValue(forKey: id) else { return }
            let remaining = state.perPeer[entry.peer, default: 1] - 1
            state.perPeer[entry.peer] = remaining > 0 ? remaining : nil
        }
    }

    /// Connections holding a slot now.
    var count: Int {
        state.withLock { $0.entries.count }
    }

    var open: [any Channel] {
        state.withLock { $0.entries.values.map(\.channel) }
    }
}
