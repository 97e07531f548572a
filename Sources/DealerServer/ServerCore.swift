import DealerServices

/// What every connection of a server shares.
final class ServerCore: Sendable {
    let configuration: ServerConfiguration
    let methods: MethodTable
    let executor: BlockingExecutor

    init(configuration: ServerConfiguration, methods: MethodTable) {
        self.configuration = configuration
        self.methods = methods
        self.executor = BlockingExecutor(threads: configuration.blockingThreads)
    }
}
