import ArgumentParser

/// Where and how hard a load runs: shared by `run` and `client-core`.
struct LoadShapeOptions: ParsableArguments {
    @Option(help: "Server address.")
    var host = "127.0.0.1"

    @Option(help: "Server port.")
    var port: Int

    @Option(help: "Connections.")
    var connections = 16

    @Option(help: "Calls kept outstanding per connection.")
    var inFlight = 16

    @Option(help: "Measured seconds.")
    var duration = 10.0

    @Option(help: "Seconds of load before measuring.")
    var warmup = 2.0

    func validate() throws {
        guard connections >= 1, inFlight >= 1 else { throw ValidationError("--connections and --in-flight must be >= 1") }
        guard duration > 0, warmup >= 0 else { throw ValidationError("--duration must be > 0, --warmup >= 0") }
    }
}
