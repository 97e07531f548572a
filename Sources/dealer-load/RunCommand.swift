import ArgumentParser
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `dealer-load run`: the pipelining load client.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Pipelining load: keep --in-flight calls outstanding on each of --connections connections.",
        discussion: """
            health: Hello, then Health/Check calls against dealerd. echo: the same request frame \
            bytes against `dealer-load echo-server`, without a handshake.
            """
    )

    @OptionGroup var shape: LoadShapeOptions

    @Option(help: "health (dealerd) or echo (dealer-load echo-server).")
    var mode = "health"

    @Option(help: "Event loop threads of the client.")
    var threads = 1

    @Flag(help: "Print one JSON object after the summary line.")
    var json = false

    private static let ringSize = 1024

    mutating func validate() throws {
        guard LoadConnectionHandler.Mode(rawValue: mode) != nil else { throw ValidationError("--mode is health or echo") }
        guard threads >= 1 else { throw ValidationError("--threads must be >= 1") }
        guard shape.inFlight <= Self.ringSize else { throw ValidationError("--in-flight must be 1...\(Self.ringSize)") }
    }

    mutating func run() async throws {
        let mode = LoadConnectionHandler.Mode(rawValue: self.mode)!
        let inFlight = shape.inFlight
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        var channels: [any Channel] = []
        do {
            let ring = RequestRing(size: Self.ringSize)
            var ready: [EventLoopFuture<Void>] = []
            var handlers: [NIOLoopBound<LoadConnectionHandler>] = []
            for _ in 0..<shape.connections {
                let loop = group.next()
                let promise = loop.makePromise(of: Void.self)
                loop.scheduleTask(in: .seconds(10)) { promise.fail(LoadFailure(reason: "not ready within 10 s")) }
                // Created on its loop and kept here, so the counters stay readable after a close.
                let handler = try await loop.submit {
                    NIOLoopBound(
                        LoadConnectionHandler(mode: mode, inFlight: inFlight, ring: ring, ready: promise), eventLoop: loop)
                }.get()
                let channel = try await ClientBootstrap(group: loop)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(handler.value)
                        }
                    }
                    .connect(host: shape.host, port: shape.port)
                    .get()
                channels.append(channel)
                handlers.append(handler)
                ready.append(promise.futureResult)
            }
            for future in ready { try await future.get() }

            try await Task.sleep(for: .seconds(shape.warmup))
            let cpuStart = ProcessCPU.nanoseconds()
            for handler in handlers {
                try await handler.eventLoop.submit { handler.value.beginMeasurement() }.get()
            }
            let wallStart = MonotonicClock.nanoseconds()
            try await Task.sleep(for: .seconds(shape.duration))
            var snapshots: [LoadConnectionHandler.Snapshot] = []
            for handler in handlers {
                snapshots.append(try await handler.eventLoop.submit { handler.value.endMeasurement() }.get())
            }
            let wall = MonotonicClock.nanoseconds() - wallStart
            let cpu = ProcessCPU.nanoseconds() - cpuStart

            for channel in channels { try? await channel.close() }
            channels.removeAll()
            try await group.shutdownGracefully()

            if let failure = snapshots.lazy.compactMap(\.failure).first {
                throw LoadFailure(reason: "connection failed during the run: \(failure)")
            }
            report(snapshots, clientCPU: Double(cpu) / Double(wall))
        } catch {
            for channel in channels { try? await channel.close() }
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private func report(_ snapshots: [LoadConnectionHandler.Snapshot], clientCPU: Double) {
        var latency = LatencyHistogram()
        var responses: UInt64 = 0
        var errors: UInt64 = 0
        var unmatched: UInt64 = 0
        var rate = 0.0
        for snapshot in snapshots {
            latency.merge(snapshot.latency)
            responses += snapshot.responses
            errors += snapshot.errors
            unmatched += snapshot.unmatched
            rate += Double(snapshot.responses) / (Double(snapshot.nanoseconds) / 1e9)
        }
        let p50 = latency.quantile(0.5).map { Double($0) / 1e3 }
        let p99 = latency.quantile(0.99).map { Double($0) / 1e3 }
        func us(_ value: Double?) -> String { value.map { String(Int($0.rounded())) } ?? "-" }

        print(
            "mode=\(mode) connections=\(shape.connections) in-flight=\(shape.inFlight) threads=\(threads) "
                + "calls/s=\(Int(rate.rounded())) p50=\(us(p50))us p99=\(us(p99))us responses=\(responses) "
                + "errors=\(errors) unmatched=\(unmatched) client-cpu=\(Int((clientCPU * 100).rounded()))%"
        )
        if json {
            print(
                "{\"mode\":\"\(mode)\",\"connections\":\(shape.connections),\"in_flight\":\(shape.inFlight),\"threads\":\(threads),"
                    + "\"duration_s\":\(shape.duration),\"calls_per_second\":\(Int(rate.rounded())),"
                    + "\"p50_us\":\(us(p50) == "-" ? "null" : us(p50)),\"p99_us\":\(us(p99) == "-" ? "null" : us(p99)),"
                    + "\"responses\":\(responses),\"errors\":\(errors),\"unmatched\":\(unmatched),"
                    + "\"client_cpu\":\((clientCPU * 100).rounded() / 100)}"
            )
        }
    }
}
