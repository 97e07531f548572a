import Synchronization

/// A fixed set of read-only connections. A caller checks out a free slot (under a
/// `Mutex`), uses its connection and checks it in; when none is free it waits on one.
final class ReaderPool: Sendable {
    /// One connection behind its own lock; uncontended when reached through checkout.
    private final class Slot: Sendable {
        let connection: Mutex<SQLiteConnection>
        init(_ connection: sending SQLiteConnection) { self.connection = Mutex(connection) }
    }

    private let slots: [Slot]
    private let free: Mutex<[Int]>
    private let overflow = Atomic<UInt>(0)

    init(count: Int, open: () throws -> SQLiteConnection) throws {
        var slots: [Slot] = []
        for _ in 0..<count { slots.append(Slot(try open())) }
        self.slots = slots
        self.free = Mutex(Array(slots.indices))
    }

    func withConnection<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) throws -> T {
        if let index = free.withLock({ $0.popLast() }) {
            defer { free.withLock { $0.append(index) } }
            return try slots[index].connection.withLock { try body($0) }
        }
        // Every slot is busy: queue on one of them in turn.
        let index = Int(overflow.wrappingAdd(1, ordering: .relaxed).newValue % UInt(slots.count))
        return try slots[index].connection.withLock { try body($0) }
    }
}
