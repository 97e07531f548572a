/// How a `DealerStore` opens its database.
public struct DealerStoreConfiguration: Sendable, Hashable {
    /// SQLite's `synchronous` setting for the WAL.
    public enum Synchronous: String, Sendable, Hashable {
        /// Every acknowledged commit survives a crash and a power loss (default).
        case full = "FULL"
        /// Commits survive a process crash; the last ones may be lost on power loss.
        case normal = "NORMAL"
    }

    /// Path of the database file; its parent directory is created if missing.
    public var path: String
    public var synchronous: Synchronous
    /// How long a connection waits for a lock held by another process.
    public var busyTimeoutMilliseconds: Int
    /// Number of read-only connections kept open.
    public var readerCount: Int
    /// While a write failure (disk full, I/O error, read-only) is recorded in
    /// `DealerStore.health`, a probe write is tried this often (one at a time).
    public var healthProbeIntervalMilliseconds: Int = 1_000
    /// A write transaction running longer than this makes `DealerStore.health`
    /// report `.writerStuck` until it ends.
    public var writerStuckAfterMilliseconds: Int = 15_000
    /// The registered SQLite VFS every connection opens the file through; nil for
    /// the default one. For tests only (the power-loss and fault-injection shim).
    package var vfsName: String? = nil

    public init(path: String, synchronous: Synchronous = .full, busyTimeoutMilliseconds: Int = 5_000, readerCount: Int = 4) {
        self.path = path
        self.synchronous = synchronous
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.readerCount = max(1, readerCount)
    }
}
