import DealerServices
import DealerStore
import Logging

/// Everything `dealerd` can be configured with.
public struct DaemonOptions: Sendable {
    public var server = ServerConfiguration()
    public var store = DealerStoreConfiguration(path: "./data/dealer.sqlite")
    public var services = ServicesConfiguration()
    public var logLevel = Logger.Level.info

    public init() {}
}
