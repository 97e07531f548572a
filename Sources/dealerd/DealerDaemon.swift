import ArgumentParser
import DealerServer
import Logging

/// `dealerd`: the dealer mechanism server.
@main
struct DealerDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dealerd",
        abstract: "Serves the Auth, Dealer, Client and Health services over the framed protobuf protocol.")

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one; the log says which).")
    var port = 7420

    @Option(help: "SQLite database file (created with its directory if missing).")
    var db = "./data/dealer.sqlite"

    @Option(help: "Largest accepted frame body in bytes.")
    var maxFrameSize = 4 * 1024 * 1024

    @Option(help: "Calls run at once per connection before the server stops reading it.")
    var maxInFlight = 64

    @Option(help: "Seconds a connection may stay idle before it is closed.")
    var idleTimeout = 300

    @Option(help: "Seconds graceful shutdown waits for in-flight calls.")
    var shutdownGrace = 10

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func run() async throws {
        var options = DaemonOptions()
        options.server.host = host
        options.server.port = port
        options.server.maxFrameSize = maxFrameSize
        options.server.maxInFlightCalls = maxInFlight
        options.server.idleTimeout = .seconds(Int64(idleTimeout))
        options.server.shutdownGracePeriod = .seconds(Int64(shutdownGrace))
        options.databasePath = db
        options.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        try await DaemonRunner.run(options)
    }
}
