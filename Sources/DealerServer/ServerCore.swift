import DealerServices
import NIOCore
import Synchronization

/// What every connection of a server shares.
final class ServerCore: Sendable {
    let configuration: ServerConfiguration
    let methods: MethodTable
    /// `HandlerExecution.blocking` handlers: storage and other blocking work.
    let storageLane: BlockingExecutor
    /// `HandlerExecution.hashing` handlers: password hashing.
    let hashingLane: BlockingExecutor
    /// `HandlerExecution.writing` handlers: durable writes waiting for their group commit.
    let writeLane: BlockingExecutor
    private let mailboxes = Mutex<[ObjectIdentifier: CompletionMailbox]>([:])

    init(configuration: ServerConfiguration, methods: MethodTable) {
        self.configuration = configuration
        self.methods = methods
        self.storageLane = BlockingExecutor(
            name: "storage", threads: configuration.blockingThreads, maxQueueLength: configuration.maxStorageQueue)
        self.hashingLane = BlockingExecutor(
            name: "hashing", threads: methods.hashingLaneThreads, maxQueueLength: configuration.maxHashingQueue)
        self.writeLane = BlockingExecutor(
            name: "write", threads: configuration.writeThreads, maxQueueLength: configuration.maxWriteQueue,
            batchRunner: methods.writeBatchRunner)
    }

    /// The lane of a handler that runs off the event loop.
    func lane(for execution: HandlerExecution) -> BlockingExecutor? {
        switch execution {
        case .eventLoop: nil
        case .blocking: storageLane
        case .hashing: hashingLane
        case .writing: writeLane
        }
    }

    /// Calls of one connection a lane may hold at once (waiting or running).
    func perConnectionLimit(of lane: BlockingExecutor) -> Int {
        if lane === hashingLane { return configuration.maxHashingQueuePerConnection }
        if lane === writeLane { return configuration.maxWriteQueuePerConnection }
        return configuration.maxStorageQueuePerConnection
    }

    /// The mailbox through which workers hand results back to `eventLoop`.
    func mailbox(for eventLoop: any EventLoop) -> CompletionMailbox {
        mailboxes.withLock { mailboxes in
            let key = ObjectIdentifier(eventLoop)
            if let mailbox = mailboxes[key] { return mailbox }
            let mailbox = CompletionMailbox(eventLoop: eventLoop)
            mailboxes[key] = mailbox
            return mailbox
        }
    }

    var executionStatistics: ExecutionStatistics {
        ExecutionStatistics(storage: storageLane.statistics, hashing: hashingLane.statistics, writing: writeLane.statistics)
    }

    /// Lets the worker threads of every lane exit once their current work is done.
    func beginShutdown() {
        storageLane.beginShutdown()
        hashingLane.beginShutdown()
        writeLane.beginShutdown()
    }
}
