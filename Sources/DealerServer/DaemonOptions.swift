import Logging

/// Everything `dealerd` can be configured with.
public struct DaemonOptions: Sendable {
    public var server = ServerConfiguration()
    public var databasePath = "./data/dealer.sqlite"
    public var logLevel = Logger.Level.info

    public init() {}
}
