import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// `dealer-load scenario`: realistic workloads against dealerd, each beside a
/// baseline of the same shape against the raw frame echo.
struct ScenarioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Workloads against dealerd (health, whoami, list, write, mixed), each as a ratio to a raw frame echo baseline.",
        discussion: """
            Against a running dealerd (--port; start it with --password-cost minimal, the seeding signs up \
            many accounts) or one started here on a fresh temporary database (--dealerd PATH, with --sync \
            and --password-cost minimal). Seeds its own accounts through the public API: a dealer (RIGHT_DEALER, \
            one dealer-mode session per connection), --pending-requests clients with a pending request to it \
            (the pages `list` reads, 50 per page), and for `write` one client account per slot. \
            health: Health/Check. whoami: Auth/WhoAmI. list: Dealer/ListIncomingRequests. write: cycles of \
            Client/SubmitRequest, Dealer/AcceptRequest, Client/Disconnect (each a durable write). mixed: \
            operations drawn by --mix weights. First, `baseline` runs the same shape against \
            `dealer-load echo-server` (started here unless --baseline-port) with Health/Check request frames. \
            Closed loop: --in-flight operations outstanding per connection. Open loop (--rate): operations \
            start at fixed intended times spread over the connections, at most --in-flight at once per \
            connection, and latency counts from the intended time (corrected for coordinated omission as \
            wrk2 does). A progress line goes to stderr once a second; --json prints one JSON object on stdout.
            """
    )

    static let pageSize: UInt32 = 50

    @Argument(help: "Scenarios to run, in order: health, whoami, list, write, mixed (default: all five).")
    var scenarios: [Scenario] = [.health, .whoami, .list, .write, .mixed]

    @OptionGroup var target: DealerdTarget

    @Option(help: "Pid of the running dealerd, for its CPU and RSS (read from /proc).")
    var serverPid: Int32?

    @Option(help: "Port of a running `dealer-load echo-server` for the baseline (default: start one here).")
    var baselinePort: Int?

    @Option(help: "Pid of the echo server of --baseline-port, for its CPU and RSS (read from /proc).")
    var baselinePid: Int32?

    @Flag(help: "Skip the baseline run (no ratios).")
    var noBaseline = false

    @Option(help: "Connections.")
    var connections = 16

    @Option(help: "Operations outstanding per connection (closed loop); the most at once per connection in open loop.")
    var inFlight = 16

    @Option(help: "Open loop: operations started per second over all connections (default: closed loop).")
    var rate: Double?

    @Option(help: "Weights of `mixed`: health=N,whoami=N,list=N,write=N (a write is a whole cycle).")
    var mix = ScenarioMix.standard

    @Option(help: "Clients seeded with a pending request (the rows `list` pages through).")
    var pendingRequests = 60

    @Option(help: "Measured seconds per scenario.")
    var duration = 10.0

    @Option(help: "Seconds of load before measuring.")
    var warmup = 2.0

    @Option(help: "Event loop threads of the client.")
    var threads = 1

    @Flag(help: "Print the results as one JSON object on stdout instead of summary lines.")
    var json = false

    mutating func validate() throws {
        guard !scenarios.contains(.baseline) else { throw ValidationError("baseline runs by itself before the others") }
        guard connections >= 1, inFlight >= 1, inFlight <= 4096, threads >= 1 else {
            throw ValidationError("--connections >= 1, --in-flight 1...4096, --threads >= 1")
        }
        guard duration > 0, warmup >= 0 else { throw ValidationError("--duration must be > 0, --warmup >= 0") }
        if let rate, rate <= 0 { throw ValidationError("--rate must be > 0") }
    }

    /// JSON output: the shape, then every run.
    private struct Report: Encodable {
        let baseline: ScenarioResult?
        let scenarios: [ScenarioResult]
    }

    mutating func run() async throws {
        var children: [ChildDaemon] = []
        var directory: URL?
        do {
            let server = try await target.resolve(tag: "scenario")
            if let daemon = server.daemon { children.append(daemon) }
            directory = server.directory
            if let line = target.startedLine(server) { log(line) }
            let (serverHost, serverPort) = (server.host, server.port)
            let serverPid = server.daemon?.pid ?? self.serverPid

            var baseline: ScenarioResult?
            if !noBaseline {
                var echoPort = baselinePort ?? 0
                var echoPid = baselinePid
                if baselinePort == nil {
                    let echo = try await ChildDaemon.start(
                        executable: Self.ownExecutable, arguments: ["echo-server", "--port", "0"],
                        logURL: FileManager.default.temporaryDirectory.appendingPathComponent("dealer-load-echo-\(getpid()).log"))
                    children.append(echo)
                    echoPort = echo.port
                    echoPid = echo.pid
                }
                let host = baselinePort == nil ? "127.0.0.1" : target.host
                baseline = try await measure(.baseline, host: host, port: echoPort, seed: nil, pid: echoPid)
            }

            let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
            var results: [ScenarioResult] = []
            for (index, scenario) in scenarios.enumerated() {
                var seed: ScenarioSeed?
                if scenario.needsSeed(mix) {
                    log("seeding \(scenario.rawValue)…")
                    seed = try await ScenarioSeed.make(
                        host: serverHost, port: serverPort, tag: "\(tag)s\(index)", connections: connections, slots: inFlight,
                        pendingRequests: pendingRequests, clientPerSlot: scenario.needsClientPerSlot(mix))
                }
                var result = try await measure(scenario, host: serverHost, port: serverPort, seed: seed, pid: serverPid)
                if let baseline { result.compare(to: baseline) }
                results.append(result)
            }

            if json {
                let encoder = JSONEncoder()
                encoder.keyEncodingStrategy = .convertToSnakeCase
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(Report(baseline: baseline, scenarios: results)), as: UTF8.self))
            } else {
                if let baseline { print(baseline.summary) }
                for result in results { print(result.summary) }
            }
        } catch {
            for child in children { ChildDaemon.sendSignal(SIGKILL, to: child.pid) }
            throw error
        }
        for child in children.reversed() {
            ChildDaemon.sendSignal(SIGTERM, to: child.pid)
            _ = try? await child.waitForExit()
        }
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    /// This executable, to start `echo-server` from.
    private static var ownExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    private func log(_ line: String) {
        FileHandle.standardError.write(Data("dealer-load scenario: \(line)\n".utf8))
    }

    /// Connects, warms up, measures one window and closes.
    private func measure(_ scenario: Scenario, host: String, port: Int, seed: ScenarioSeed?, pid: Int32?) async throws
        -> ScenarioResult
    {
        let plans = (0..<connections).map {
            ConnectionPlan(scenario: scenario, mix: mix, slots: inFlight, seed: seed, connection: $0)
        }
        let interval = rate.map { UInt64(Double(connections) * 1e9 / $0) }
        let progress = ScenarioProgress()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        var channels: [any Channel] = []
        do {
            var handlers: [NIOLoopBound<ScenarioConnectionHandler>] = []
            var ready: [EventLoopFuture<Void>] = []
            for (index, plan) in plans.enumerated() {
                let loop = group.next()
                let promise = loop.makePromise(of: Void.self)
                loop.scheduleTask(in: .seconds(10)) { promise.fail(LoadFailure(reason: "not ready within 10 s")) }
                let seedValue = UInt64(index) &* 0x9E37_79B9_7F4A_7C15 &+ 1
                let handler = try await loop.submit {
                    NIOLoopBound(
                        ScenarioConnectionHandler(
                            plan: plan, handshake: scenario != .baseline, intervalNanoseconds: interval,
                            progress: progress, ready: promise, seed: seedValue),
                        eventLoop: loop)
                }.get()
                let channel = try await ClientBootstrap(group: loop)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(handler.value)
                        }
                    }
                    .connect(host: host, port: port)
                    .get()
                channels.append(channel)
                handlers.append(handler)
                ready.append(promise.futureResult)
            }
            for future in ready { try await future.get() }

            let (snapshots, cpu, wall, server) = try await withThrowingTaskGroup(
                of: Void.self,
                returning: ([ScenarioConnectionHandler.Snapshot], UInt64, UInt64, (ServerProcessSample, ServerProcessSample)?).self
            ) { tasks in
                tasks.addTask { try await Self.reportProgress(scenario, progress) }
                try await Task.sleep(for: .seconds(warmup))
                let serverStart = pid.flatMap(ServerProcessSample.read)
                let cpuStart = ProcessCPU.nanoseconds()
                for handler in handlers { try await handler.eventLoop.submit { handler.value.beginMeasurement() }.get() }
                let wallStart = MonotonicClock.nanoseconds()
                try await Task.sleep(for: .seconds(duration))
                var snapshots: [ScenarioConnectionHandler.Snapshot] = []
                for handler in handlers {
                    snapshots.append(try await handler.eventLoop.submit { handler.value.endMeasurement() }.get())
                }
                let wall = MonotonicClock.nanoseconds() - wallStart
                let cpu = ProcessCPU.nanoseconds() - cpuStart
                let serverEnd = pid.flatMap(ServerProcessSample.read)
                tasks.cancelAll()
                let server = serverStart.flatMap { start in serverEnd.map { (start, $0) } }
                return (snapshots, cpu, wall, server)
            }

            for channel in channels { try? await channel.close() }
            channels.removeAll()
            try await group.shutdownGracefully()
            if let failure = snapshots.lazy.compactMap(\.failure).first {
                throw LoadFailure(reason: "\(scenario.rawValue): a connection failed during the run: \(failure)")
            }
            let result = ScenarioResult(
                scenario: scenario.rawValue, loop: rate == nil ? "closed" : "open", connections: connections,
                inFlight: inFlight, targetRate: rate, mix: scenario == .mixed ? mix.description : nil,
                snapshots: snapshots, clientCores: Double(cpu) / Double(wall), server: server)
            log(result.summary)
            return result
        } catch {
            for channel in channels { try? await channel.close() }
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Once a second on stderr: calls/s and errors of the last second, until cancelled.
    private static func reportProgress(_ scenario: Scenario, _ progress: ScenarioProgress) async throws {
        var last = progress.totals
        var seconds = 0
        while !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(1)) } catch { return }
            seconds += 1
            let now = progress.totals
            FileHandle.standardError.write(
                Data(
                    "[\(scenario.rawValue) \(seconds)s] calls/s=\(now.calls - last.calls) errors=\(now.errors - last.errors) total=\(now.calls)\n"
                        .utf8))
            last = now
        }
    }
}
