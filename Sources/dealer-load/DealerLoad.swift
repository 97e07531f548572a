import ArgumentParser

/// Benchmark and load tools for dealerd.
@main
struct DealerLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dealer-load",
        abstract: "Load client and scenarios, raw echo server and codec micro-benchmark for dealerd.",
        subcommands: [RunCommand.self, EchoServerCommand.self, CodecCommand.self, CrashTestCommand.self, StorageBenchCommand.self, ClientCoreCommand.self, DealerLatencyCommand.self, MigrationBenchCommand.self, ScenarioCommand.self, IdleConnectionsCommand.self]
    )
}
