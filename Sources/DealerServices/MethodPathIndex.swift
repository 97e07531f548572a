import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds a method's handler from the method path's bytes as they arrived
/// (a slice of the frame), without making a `String` or hashing one with
/// SipHash: FNV-1a over the bytes into a small open-addressed table, then a
/// byte comparison. `MethodTable` keeps one beside its dictionary.
struct MethodPathIndex: Sendable {
    private struct Entry: Sendable {
        let utf8: [UInt8]
        let handler: MethodHandler
    }

    private var entries: [Entry] = []
    /// Index into `entries` + 1 per slot; 0 is empty. Its count is a power of two.
    private var slots: [Int32] = []

    init() {}

    init(_ handlers: [String: MethodHandler]) {
        var capacity = 16
        while capacity < handlers.count * 4 { capacity *= 2 }
        slots = Array(repeating: 0, count: capacity)
        for (path, handler) in handlers.sorted(by: { $0.key < $1.key }) {
            entries.append(Entry(utf8: Array(path.utf8), handler: handler))
            let utf8 = entries[entries.count - 1].utf8
            var slot = utf8.withUnsafeBytes { Self.hash($0) } & UInt64(capacity - 1)
            while slots[Int(slot)] != 0 { slot = (slot + 1) & UInt64(capacity - 1) }
            slots[Int(slot)] = Int32(entries.count)
        }
    }

    /// The handler registered for the path `bytes`, or nil.
    func handler(forPath bytes: ByteBuffer) -> MethodHandler? {
        guard !slots.isEmpty else { return nil }
        return bytes.withUnsafeReadableBytes { path in
            let mask = UInt64(slots.count - 1)
            var slot = Self.hash(path) & mask
            while true {
                let index = Int(slots[Int(slot)])
                if index == 0 { return nil }
                let entry = entries[index - 1]
                let matches = entry.utf8.withUnsafeBytes { candidate in
                    candidate.count == path.count
                        && (path.isEmpty || memcmp(candidate.baseAddress!, path.baseAddress!, path.count) == 0)
                }
                if matches { return entry.handler }
                slot = (slot + 1) & mask
            }
        }
    }

    @inline(__always)
    private static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash ^ (hash >> 29)
    }
}
