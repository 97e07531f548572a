import DealerServer
import DealerServices
import DealerStore
import Logging

/// Runs `body` against a live protocol-core server (Health, plus any test
/// `methods`) on 127.0.0.1, port 0, and shuts the server down on every path
/// out of `body`: return, thrown error or failed `#require`.
public func withTestServer<Result>(
    methods: MethodTable? = nil,
    configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: (TestServer) async throws -> Result
) async throws -> Result {
    let server = try await TestServer.start(methods: methods, configure: configure)
    return try await server.scoped(body)
}

/// Runs `body` against a live server with every service over a fresh
/// SQLite database (cheap password hashing, a manual clock), and shuts it
/// down and removes the database on every path out of `body`. With `gates`,
/// the `TestMethods` (Wait, HashingWait, Echo, Crash) are served too.
/// `store` adjusts how the store opens its database (e.g. through a test VFS).
public func withServicesTestServer<Result>(
    services: (inout ServicesConfiguration) -> Void = { _ in },
    configure: (inout ServerConfiguration) -> Void = { _ in },
    gates: Gates? = nil,
    logger: Logger? = nil,
    store: (inout DealerStoreConfiguration) -> Void = { _ in },
    _ body: (TestServer) async throws -> Result
) async throws -> Result {
    let server = try await TestServer.withServices(
        services: services, configure: configure, gates: gates, logger: logger, store: store)
    return try await server.scoped(body)
}

extension TestServer {
    fileprivate func scoped<Result>(_ body: (TestServer) async throws -> Result) async throws -> Result {
        let result: Result
        do {
            result = try await body(self)
        } catch {
            await stop()
            throw error
        }
        await stop()
        return result
    }
}
