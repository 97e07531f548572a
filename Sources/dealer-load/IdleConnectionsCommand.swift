import ArgumentParser
import Foundation

/// `dealer-load idle-connections`: what idle connections cost dealerd.
struct IdleConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idle-connections",
        abstract: "Open --count connections to dealerd, send Hello on each, hold them idle and report the server's RSS.",
        discussion: """
            Connections are opened --concurrency at a time; each counts once its HelloAck has arrived. With \
            --server-pid, dealerd's resident memory is read from /proc before the first connection and, once \
            every connection is established, again when it stops changing (two samples 200 ms apart within \
            64 KiB, at most 5 s). The connections are then held for --hold seconds and closed. Fails when a \
            connection is refused (e.g. GoAway TOO_MANY_CONNECTIONS: raise dealerd's --max-connections and \
            --max-connections-per-peer), fails, or is closed by the server while held. Each connection is a \
            file descriptor on both sides: raise `ulimit -n` for this process and for dealerd.
            """
    )

    @Option(help: "Server address.")
    var host = "127.0.0.1"

    @Option(help: "Server port.")
    var port: Int

    @Option(help: "Connections to open and hold.")
    var count: Int

    @Option(help: "Connections being opened at once.")
    var concurrency = 100

    @Option(help: "Pid of dealerd, for its resident memory (read from /proc).")
    var serverPid: Int32?

    @Option(help: "Seconds to hold the connections after they are established (and measured).")
    var hold = 0.0

    @Flag(help: "Print one JSON object on stdout instead of a summary line.")
    var json = false

    mutating func validate() throws {
        guard count >= 1, concurrency >= 1 else { throw ValidationError("--count and --concurrency must be >= 1") }
        guard hold >= 0 else { throw ValidationError("--hold must be >= 0") }
    }

    /// The report (`--json` prints it with these names in snake case).
    struct Report: Encodable {
        let connections: Int
        let openSeconds: Double
        let serverRSSBeforeMebibytes: Double?
        let serverRSSMebibytes: Double?
        let serverKibibytesPerConnection: Double?
    }

    mutating func run() async throws {
        let before = serverPid.flatMap(ServerProcessSample.read)
        let start = MonotonicClock.nanoseconds()
        let connections = try await IdleConnections.open(host: host, port: port, count: count, concurrency: concurrency)
        do {
            let openSeconds = Double(MonotonicClock.nanoseconds() - start) / 1e9
            var settled: UInt64?
            if let serverPid { settled = try await Self.settledResidentBytes(pid: serverPid) }
            try check(connections)
            let report = Report(
                connections: count, openSeconds: (openSeconds * 1000).rounded() / 1000,
                serverRSSBeforeMebibytes: before.map { Self.mebibytes($0.residentBytes) },
                serverRSSMebibytes: settled.map(Self.mebibytes),
                serverKibibytesPerConnection: before.flatMap { before in
                    settled.map { ((Double($0) - Double(before.residentBytes)) / 1024 / Double(count) * 100).rounded() / 100 }
                })
            if json {
                let encoder = JSONEncoder()
                encoder.keyEncodingStrategy = .convertToSnakeCase
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(Self.summary(report))
            }
            if hold > 0 { try await Task.sleep(for: .seconds(hold)) }
            try check(connections)
        } catch {
            await connections.close()
            throw error
        }
        await connections.close()
    }

    private func check(_ connections: IdleConnections) throws {
        let lost = connections.losses.count
        guard lost == 0 else {
            throw LoadFailure(
                reason: "\(lost) of \(count) connections were closed by the server while held: \(connections.losses.firstReason ?? "-")")
        }
    }

    /// dealerd's RSS once it stops changing: two samples 200 ms apart within 64 KiB, at most 25 samples.
    private static func settledResidentBytes(pid: Int32) async throws -> UInt64? {
        guard var last = ServerProcessSample.read(pid: pid)?.residentBytes else { return nil }
        for _ in 0..<25 {
            try await Task.sleep(for: .milliseconds(200))
            guard let now = ServerProcessSample.read(pid: pid)?.residentBytes else { return nil }
            defer { last = now }
            if now >= last ? now - last < 65_536 : last - now < 65_536 { return now }
        }
        return last
    }

    private static func mebibytes(_ bytes: UInt64) -> Double { (Double(bytes) / 1_048_576 * 10).rounded() / 10 }

    private static func summary(_ report: Report) -> String {
        func value(_ number: Double?, _ unit: String) -> String { number.map { "\($0)\(unit)" } ?? "-" }
        return "idle-connections connections=\(report.connections) open-seconds=\(report.openSeconds)"
            + " server-rss-before=\(value(report.serverRSSBeforeMebibytes, "MiB"))"
            + " server-rss=\(value(report.serverRSSMebibytes, "MiB"))"
            + " per-connection=\(value(report.serverKibibytesPerConnection, "KiB"))"
    }
}
