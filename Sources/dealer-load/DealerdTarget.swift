import ArgumentParser
import Foundation

/// The dealerd a load command runs against: a running one (`--host`, `--port`)
/// or one started here on a fresh temporary database (`--dealerd PATH`, with
/// `--sync` and `--password-cost minimal`). Shared by `scenario` and `storage-bench`.
struct DealerdTarget: ParsableArguments {
    @Option(help: "Server address (with --port).")
    var host = "127.0.0.1"

    @Option(help: "Port of a running dealerd.")
    var port: Int?

    @Option(help: "Start this dealerd on a fresh temporary database instead of using --port.")
    var dealerd: String?

    @Option(help: "--sync of the dealerd started with --dealerd: full or normal.")
    var sync = "full"

    func validate() throws {
        guard (port == nil) != (dealerd == nil) else { throw ValidationError("give exactly one of --port and --dealerd") }
        guard ["full", "normal"].contains(sync) else { throw ValidationError("--sync is full or normal") }
    }

    /// Where the load goes, and the dealerd started for it (nil for a running one).
    struct Resolved {
        let host: String
        let port: Int
        let daemon: ChildDaemon?
        /// The started dealerd's temporary directory (database and log), to remove afterwards.
        let directory: URL?
    }

    /// Starts the `--dealerd` server in a new temporary directory named after
    /// `tag`, or resolves to the running one.
    func resolve(tag: String) async throws -> Resolved {
        guard let dealerd else { return Resolved(host: host, port: port!, daemon: nil, directory: nil) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dealer-\(tag)-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let daemon = try await ChildDaemon.start(
            executable: dealerd,
            arguments: [
                "--host", "127.0.0.1", "--port", "0", "--db", directory.appendingPathComponent("\(tag).sqlite").path,
                "--sync", sync, "--password-cost", "minimal",
            ],
            logURL: directory.appendingPathComponent("dealerd.log"))
        return Resolved(host: "127.0.0.1", port: daemon.port, daemon: daemon, directory: directory)
    }

    /// What `resolve` started, for the log.
    func startedLine(_ resolved: Resolved) -> String? {
        guard let dealerd, let daemon = resolved.daemon else { return nil }
        return "started \(dealerd) --sync \(sync) --password-cost minimal on port \(daemon.port) (pid \(daemon.pid))"
    }
}
