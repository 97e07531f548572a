import ArgumentParser
import DealerClient
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `dealer-load storage-bench`: acknowledged writes/s and token-authenticated reads/s.
struct StorageBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage-bench",
        abstract: "Storage figures: acknowledged writes/s at 1 and 32 clients, WhoAmI reads/s at 16 connections.",
        discussion: """
            Against a running dealerd (--port; start it with --password-cost minimal) or one started here \
            on a fresh temporary database (--dealerd PATH, with --sync and --password-cost minimal). \
            Writes: each client has its own connection and one call at a time (set-user-rights: an admin \
            toggles RIGHT_ADMIN on a user of its account; sign-up: a new account per call). Reads: WhoAmI \
            with a session token, --read-in-flight calls outstanding on each of --read-connections \
            connections. Each load runs --repeat times, interleaved; medians are reported.
            """
    )

    @OptionGroup var target: DealerdTarget

    @Option(help: "The write: set-user-rights or sign-up.")
    var write = StorageWorkload.Write.setUserRights.rawValue

    @Option(help: "Concurrent write clients, comma-separated (empty: no write load).")
    var writeClients = "1,32"

    @Option(help: "Connections of the WhoAmI load (0: none).")
    var readConnections = 16

    @Option(help: "WhoAmI calls outstanding per connection.")
    var readInFlight = 8

    @Option(help: "Measured seconds per run.")
    var duration = 5.0

    @Option(help: "Seconds of load before measuring.")
    var warmup = 1.0

    @Option(help: "Runs per load; medians are reported.")
    var `repeat` = 3

    private var writeClientCounts: [Int] { writeClients.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    mutating func validate() throws {
        guard StorageWorkload.Write(rawValue: write) != nil else { throw ValidationError("--write is set-user-rights or sign-up") }
        guard writeClientCounts.allSatisfy({ $0 >= 1 }), readConnections >= 0, readInFlight >= 1 else {
            throw ValidationError("client, connection and in-flight counts must be positive")
        }
        guard duration > 0, warmup >= 0, `repeat` >= 1 else { throw ValidationError("need --duration > 0, --warmup >= 0, --repeat >= 1") }
    }

    /// One load shape: a table row.
    private struct Load {
        let name: String
        let shape: String
        let setUp: @Sendable (StorageWorkload) async throws -> (slots: [StorageLoad.Call], connections: [DealerConnection])
    }

    mutating func run() async throws {
        let write = StorageWorkload.Write(rawValue: self.write)!
        var loads: [Load] = writeClientCounts.map { clients in
            Load(name: "write: \(write.rawValue)", shape: "\(clients) × 1") { try await $0.writeSlots(write, clients: clients) }
        }
        if readConnections > 0 {
            let (connections, inFlight) = (readConnections, readInFlight)
            loads.append(Load(name: "read: WhoAmI", shape: "\(connections) × \(inFlight)") {
                try await $0.whoAmISlots(connections: connections, inFlight: inFlight)
            })
        }

        let server = try await target.resolve(tag: "storage")
        let (daemon, directory) = (server.daemon, server.directory)
        if let line = target.startedLine(server) { print("storage-bench: \(line)") }
        let runTag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        do {
            var results = [[StorageLoad.Result]](repeating: [], count: loads.count)
            for run in 1...`repeat` {
                for (index, load) in loads.enumerated() {
                    let workload = StorageWorkload(
                        host: server.host, port: server.port,
                        loginPrefix: "sb\(runTag)x\(run)l\(index)")
                    let (slots, connections) = try await load.setUp(workload)
                    let result: StorageLoad.Result
                    do {
                        result = try await StorageLoad(slots: slots, warmup: .seconds(warmup), duration: .seconds(duration)).run()
                    } catch {
                        for connection in connections { await connection.close() }
                        throw error
                    }
                    for connection in connections { await connection.close() }
                    results[index].append(result)
                    print(
                        "run \(run)/\(`repeat`) \(load.name) \(load.shape): calls/s=\(Int(result.callsPerSecond.rounded())) "
                            + "p50=\(Int(result.microseconds(0.5)))us p99=\(Int(result.microseconds(0.99)))us "
                            + "calls=\(result.calls) client-cpu=\(Int((result.clientCPU * 100).rounded()))%")
                }
            }
            print("")
            print("| load | clients × in flight | calls/s | p50 (µs) | p99 (µs) | client CPU |")
            print("|---|---|---:|---:|---:|---:|")
            for (load, runs) in zip(loads, results) {
                func median(_ value: (StorageLoad.Result) -> Double) -> Double {
                    let sorted = runs.map(value).sorted()
                    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
                }
                print(
                    "| \(load.name) | \(load.shape) | \(Int(median(\.callsPerSecond).rounded()).formatted()) "
                        + "| \(Int(median { $0.microseconds(0.5) })) | \(Int(median { $0.microseconds(0.99) })) "
                        + "| \(String(format: "%.2f", median(\.clientCPU))) |")
            }
        } catch {
            if let daemon { ChildDaemon.sendSignal(SIGKILL, to: daemon.pid) }
            throw error
        }
        if let daemon {
            ChildDaemon.sendSignal(SIGTERM, to: daemon.pid)
            _ = try await daemon.waitForExit()
        }
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }
}
