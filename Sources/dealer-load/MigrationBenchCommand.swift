import ArgumentParser
import DealerClient
import DealerProtocol
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `dealer-load migration-bench` (issue 8): ConvertGroupToClient of one big
/// group, the latency other clients see meanwhile, and ListRegisters of the result.
struct MigrationBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migration-bench",
        abstract: "ConvertGroupToClient of a group of --registers registers, WhoAmI latency during it, ListRegisters paged.",
        discussion: """
            Starts dealerd (--port 0 --password-cost minimal, a fresh temporary database), seeds a dealer with \
            one group of --registers registers (AddRegister over --seeders connections in parallel), then \
            measures ConvertGroupToClient of that group (time, registers/s) while --probes connections call \
            Auth WhoAmI in a closed loop (p50/p99/max latency and calls/s during the conversion, against \
            --baseline seconds before it), and ListRegisters of the converted registers in the new account \
            paged by --page-size (total time, per-page p50/p99). Prints a markdown table.
            """
    )

    @Option(help: "Path of the dealerd executable (a release build).")
    var dealerd: String

    @Option(help: "Registers in the converted group.")
    var registers = 10_000

    @Option(help: "Connections adding the registers in parallel.")
    var seeders = 8

    @Option(help: "Connections calling WhoAmI in a closed loop.")
    var probes = 16

    @Option(help: "Seconds of WhoAmI measured before the conversion.")
    var baseline = 3.0

    @Option(help: "page_size of ListRegisters.")
    var pageSize: UInt32 = 500

    mutating func validate() throws {
        guard (1...10_000).contains(registers) else { throw ValidationError("--registers must be 1 to 10000") }
        guard seeders >= 1, probes >= 1, baseline > 0 else { throw ValidationError("--seeders, --probes >= 1, --baseline > 0") }
        guard FileManager.default.isExecutableFile(atPath: dealerd) else { throw ValidationError("\(dealerd) is not an executable") }
    }

    private static let password = "migration bench password"

    /// The measurement phase the probes read: 0 before the conversion, 1 during it, 2 stop.
    final class Phase: Sendable {
        let value = Atomic<Int>(0)
    }

    /// WhoAmI latencies of one phase.
    struct ProbeSample: Sendable {
        var latency = LatencyHistogram()
        var errors = 0

        mutating func merge(_ other: ProbeSample) {
            latency.merge(other.latency)
            errors += other.errors
        }
    }

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "dealer-migration-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let daemon = try await ChildDaemon.start(
            executable: dealerd,
            arguments: ["--host", "127.0.0.1", "--port", "0", "--password-cost", "minimal",
                        "--db", directory.appendingPathComponent("dealer.sqlite").path],
            logURL: directory.appendingPathComponent("dealerd.log"))
        var connections: [DealerConnection] = []
        do {
            for index in 0..<max(seeders, probes) + 1 {
                connections.append(try await DealerConnection.connect(host: "127.0.0.1", port: daemon.port, clientName: "migration-bench-\(index)"))
            }
            try await run(connections)
        } catch {
            for connection in connections { await connection.close() }
            ChildDaemon.sendSignal(SIGKILL, to: daemon.pid)
            _ = try? await daemon.waitForExit()
            throw error
        }
        for connection in connections { await connection.close() }
        ChildDaemon.sendSignal(SIGTERM, to: daemon.pid)
        _ = try await daemon.waitForExit(timeout: .seconds(60))
        try? FileManager.default.removeItem(at: directory)
    }

    private func run(_ connections: [DealerConnection]) async throws {
        let control = connections[connections.count - 1]
        let timeout = Duration.seconds(600)

        // A dealer: sign up, give the right, log in again.
        let signUp = try await control.call(
            Auth_V1_AuthService.signUp, .init(accountName: "Bench Service", login: "bench-dealer", password: Self.password))
        let admin = try await control.call(Auth_V1_AuthService.login, .init(login: "bench-dealer", password: Self.password)).token
        _ = try await control.call(
            Auth_V1_AuthService.setUserRights, .init(userID: signUp.user!.id, rights: [.admin, .dealer]), token: admin)
        let token = try await control.call(Auth_V1_AuthService.login, .init(login: "bench-dealer", password: Self.password)).token
        let organization = try await control.call(
            Registers_V1_RegisterService.createOrganization, .init(name: "Bench LLC", inn: "7707083893"), token: token
        ).organization!.id
        let group = try await control.call(Registers_V1_RegisterService.createGroup, .init(name: "Bench group"), token: token).group!.id

        // The registers, over several connections at once.
        let registers = self.registers
        let seedStart = MonotonicClock.nanoseconds()
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for (index, connection) in connections.prefix(seeders).enumerated() {
                tasks.addTask {
                    for number in stride(from: index, to: registers, by: seeders) {
                        _ = try await connection.call(
                            Registers_V1_RegisterService.addRegister,
                            .init(
                                organizationID: organization, groupID: group, model: "Bench 1", serialNumber: "B-\(number)",
                                registrationNumber: Self.digits(number, prefix: "1"), fiscalDriveNumber: Self.digits(number, prefix: "9")),
                            token: token, timeout: timeout)
                    }
                }
            }
            try await tasks.waitForAll()
        }
        let seedSeconds = Double(MonotonicClock.nanoseconds() - seedStart) / 1e9

        // WhoAmI in a closed loop per probe connection; phase 0 = before, 1 = during the conversion, 2 = stop.
        let phase = Phase()
        let probeStart = MonotonicClock.nanoseconds()
        let (samples, conversion, conversionNanoseconds, baselineNanoseconds) = try await withThrowingTaskGroup(
            of: [ProbeSample].self
        ) { tasks in
            for connection in connections.prefix(probes) {
                tasks.addTask {
                    var samples = [ProbeSample(), ProbeSample()]
                    while true {
                        let current = phase.value.load(ordering: .acquiring)
                        guard current < 2 else { return samples }
                        let start = MonotonicClock.nanoseconds()
                        do {
                            _ = try await connection.call(Auth_V1_AuthService.whoAmI, .init(), token: token, timeout: timeout)
                            samples[current].latency.record(MonotonicClock.nanoseconds() - start)
                        } catch is RPCError {
                            samples[current].errors += 1
                        }
                    }
                }
            }
            do {
                try await Task.sleep(for: .seconds(baseline))
                let baselineNanoseconds = MonotonicClock.nanoseconds() - probeStart
                phase.value.store(1, ordering: .releasing)
                let start = MonotonicClock.nanoseconds()
                let response = try await control.call(
                    Dealer_V1_DealerService.convertGroupToClient,
                    .init(
                        groupID: group, accountName: "Bench Client", adminLogin: "bench-client", adminPassword: Self.password,
                        operationID: "00000000-0000-4000-8000-000000000008"),
                    token: token, timeout: timeout)
                let nanoseconds = MonotonicClock.nanoseconds() - start
                phase.value.store(2, ordering: .releasing)
                var merged = [ProbeSample(), ProbeSample()]
                for try await probe in tasks {
                    merged[0].merge(probe[0])
                    merged[1].merge(probe[1])
                }
                return (merged, response, nanoseconds, baselineNanoseconds)
            } catch {
                phase.value.store(2, ordering: .releasing)
                throw error
            }
        }
        guard conversion.registers.count == registers else {
            throw LoadFailure(reason: "ConvertGroupToClient moved \(conversion.registers.count) registers, not \(registers)")
        }

        // ListRegisters of the new account, paged.
        let client = try await control.call(Auth_V1_AuthService.login, .init(login: "bench-client", password: Self.password)).token
        var pages = LatencyHistogram()
        var listed = 0
        var pageToken = ""
        let listStart = MonotonicClock.nanoseconds()
        repeat {
            let start = MonotonicClock.nanoseconds()
            let page = try await control.call(
                Registers_V1_RegisterService.listRegisters, .init(pageSize: pageSize, pageToken: pageToken), token: client, timeout: timeout)
            pages.record(MonotonicClock.nanoseconds() - start)
            listed += page.registers.count
            pageToken = page.nextPageToken
        } while !pageToken.isEmpty
        let listNanoseconds = MonotonicClock.nanoseconds() - listStart
        guard listed == registers else { throw LoadFailure(reason: "ListRegisters listed \(listed) registers, not \(registers)") }

        func ms(_ nanoseconds: UInt64) -> String { String(format: "%.1f", Double(nanoseconds) / 1e6) }
        func ms(_ histogram: LatencyHistogram, _ q: Double) -> String { histogram.quantile(q).map { ms($0) } ?? "-" }
        func probeRow(_ name: String, _ sample: ProbeSample, _ nanoseconds: UInt64) -> String {
            let rate = Double(sample.latency.total) / (Double(nanoseconds) / 1e9)
            return "| WhoAmI \(name), \(probes) connections | \(ms(sample.latency, 0.5)) | \(ms(sample.latency, 0.99)) | "
                + "\(ms(sample.latency, 1)) | \(sample.latency.total) calls, \(Int(rate.rounded())) calls/s, \(sample.errors) errors |"
        }
        print("| measure | p50 ms | p99 ms | max ms | total |")
        print("|---|---:|---:|---:|---|")
        print("| AddRegister seeding, \(seeders) connections | - | - | - | \(registers) registers in \(String(format: "%.1f", seedSeconds)) s, \(Int((Double(registers) / seedSeconds).rounded())) registers/s |")
        print("| ConvertGroupToClient, \(registers) registers | - | - | - | \(ms(conversionNanoseconds)) ms, \(Int((Double(registers) / (Double(conversionNanoseconds) / 1e9)).rounded())) registers/s |")
        print(probeRow("before (\(String(format: "%.1f", Double(baselineNanoseconds) / 1e9)) s)", samples[0], baselineNanoseconds))
        print(probeRow("during the conversion", samples[1], conversionNanoseconds))
        print("| ListRegisters page of \(pageSize) | \(ms(pages, 0.5)) | \(ms(pages, 0.99)) | \(ms(pages, 1)) | \(pages.total) pages in \(ms(listNanoseconds)) ms |")
    }

    /// A 16-digit number: `prefix` then `number` zero-padded.
    private static func digits(_ number: Int, prefix: String) -> String {
        let tail = String(number)
        return prefix + String(repeating: "0", count: 16 - prefix.count - tail.count) + tail
    }
}
