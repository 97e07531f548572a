import DealerProtocol
import NIOCore
import NIOPosix

/// `count` connections to dealerd that have completed the handshake (Hello,
/// HelloAck) and then stay idle, held until `close()`. Connections are opened
/// at most `concurrency` at a time, so the server's accept backlog never
/// overflows.
struct IdleConnections {
    /// The largest frame accepted from the server.
    static let maxFrameSize = 16 << 20

    let channels: [any Channel]
    let losses: IdleConnectionLosses
    private let group: MultiThreadedEventLoopGroup

    /// Opens and handshakes every connection; throws (after closing those
    /// already open) when one is refused, fails or gets no HelloAck within
    /// `handshakeTimeout`.
    static func open(
        host: String, port: Int, count: Int, concurrency: Int = 100, handshakeTimeout: TimeAmount = .seconds(30)
    ) async throws -> IdleConnections {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let losses = IdleConnectionLosses()
        var channels: [any Channel] = []
        channels.reserveCapacity(count)
        do {
            var opened = 0
            while opened < count {
                let wave = min(concurrency, count - opened)
                let results = await withTaskGroup(of: Result<any Channel, any Error>.self) { tasks in
                    for _ in 0..<wave {
                        tasks.addTask {
                            do {
                                return .success(
                                    try await connect(host: host, port: port, group: group, losses: losses, timeout: handshakeTimeout))
                            } catch {
                                return .failure(error)
                            }
                        }
                    }
                    var results: [Result<any Channel, any Error>] = []
                    for await result in tasks { results.append(result) }
                    return results
                }
                var failure: (any Error)?
                for result in results {
                    switch result {
                    case .success(let channel): channels.append(channel)
                    case .failure(let error): failure = failure ?? error
                    }
                }
                if let failure { throw failure }
                opened += wave
            }
        } catch {
            await close(channels)
            try? await group.shutdownGracefully()
            throw LoadFailure(reason: "opening \(count) connections (\(channels.count) were open): \(describe(error))")
        }
        return IdleConnections(channels: channels, losses: losses, group: group)
    }

    /// Closes every connection (not counted as losses) and stops the event loop.
    func close() async {
        await Self.close(channels)
        try? await group.shutdownGracefully()
    }

    private static func close(_ channels: [any Channel]) async {
        for channel in channels {
            try? await channel.eventLoop.submit {
                let context = try channel.pipeline.syncOperations.context(handlerType: IdleConnectionHandler.self)
                (context.handler as! IdleConnectionHandler).closeQuietly(context: context)
            }.get()
        }
        for channel in channels { try? await channel.closeFuture.get() }
    }

    private static func connect(
        host: String, port: Int, group: MultiThreadedEventLoopGroup, losses: IdleConnectionLosses, timeout: TimeAmount
    ) async throws -> any Channel {
        let loop = group.next()
        let established = loop.makePromise(of: Void.self)
        let timer = loop.scheduleTask(in: timeout) {
            established.fail(LoadFailure(reason: "no HelloAck within \(timeout.nanoseconds / 1_000_000_000) s"))
        }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(FrameDecoder(maxFrameSize: IdleConnections.maxFrameSize)))
                        try channel.pipeline.syncOperations.addHandler(
                            IdleConnectionHandler(established: established, losses: losses))
                    }
                }
                .connect(host: host, port: port)
                .get()
        } catch {
            timer.cancel()
            established.fail(error)
            throw error
        }
        do {
            try await established.futureResult.get()
            timer.cancel()
            return channel
        } catch {
            timer.cancel()
            try? await channel.close()
            throw error
        }
    }

    /// The error, with the hint that matters when the descriptors run out.
    private static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        guard text.contains("Too many open files") || text.contains("EMFILE") else { return text }
        return text + " (raise the descriptor limit: ulimit -n, for this client and for dealerd)"
    }
}
