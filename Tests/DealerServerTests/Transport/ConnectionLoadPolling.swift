@testable import DealerServer
import DealerTestSupport

extension TestServer {
    /// Polls the server's connections until one's load satisfies `condition`;
    /// nil if none does within the bound (a failure bound, not an expected
    /// duration: the server publishes no event for these states).
    func firstConnectionLoad(where condition: (ConnectionLoad) -> Bool) async throws -> ConnectionLoad? {
        for _ in 0..<2_000 {
            if let load = await server.connectionLoads().first(where: condition) { return load }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    /// Polls until the server has no connection open; false if it still has
    /// one at the bound.
    func allConnectionsClosed() async throws -> Bool {
        for _ in 0..<2_000 {
            if await server.connectionLoads().isEmpty { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}
