import ArgumentParser
import Dispatch
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `dealer-load echo-server`: the raw length-prefixed frame echo server.
struct EchoServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo-server",
        abstract: "Raw length-prefixed frame echo server (no protobuf, no dispatch); runs until SIGINT/SIGTERM."
    )

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind; 0 picks a free one (printed on stdout).")
    var port = 0

    @Option(help: "Event loop threads (default: one per core, like a server).")
    var threads = System.coreCount

    @Option(help: "Largest frame body accepted; a longer length closes the connection.")
    var maxFrameSize = 4 << 20

    mutating func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(threads, 1))
        let maxFrameSize = self.maxFrameSize
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(FrameEchoHandler(maxFrameSize: maxFrameSize))
                    }
                }
                .bind(host: host, port: port)
                .get()
        } catch {
            try await group.shutdownGracefully()
            throw error
        }

        let signals = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { channel.close(promise: nil) }
            source.resume()
            return source
        }
        print("listening on \(host):\(channel.localAddress?.port ?? port)")
        fflush(nil)  // stdout is a pipe under scripts/bench: flush the port line now.

        try await channel.closeFuture.get()
        signals.forEach { $0.cancel() }
        try await group.shutdownGracefully()
    }
}
