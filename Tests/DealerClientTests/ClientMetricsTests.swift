import DealerClient
import DealerProtocol
import DealerTestSupport
import Metrics
import MetricsTestKit
import Testing

@Suite("DealerClientPool metrics through swift-metrics", .timeLimit(.minutes(2)))
struct ClientMetricsTests {
    /// The process's metrics backend: bootstrapped once, by this suite only.
    static let metrics: TestMetrics = {
        let metrics = TestMetrics()
        MetricsSystem.bootstrap(metrics)
        return metrics
    }()

    @Test("calls are counted by method and status code, and their latency is recorded")
    func callsByMethodAndCode() async throws {
        let metrics = Self.metrics
        try await withTestServer { server in
            var configuration = DealerClientPool.Configuration(host: "127.0.0.1", port: server.port)
            configuration.connections = 1
            try await withDealerClientPool(configuration: configuration) { pool in
                let health = Health_V1_HealthClient(pool)
                for _ in 0..<3 { _ = try await health.check() }
                let bogus = RPCMethod<Health_V1_CheckRequest, Health_V1_CheckResponse>(service: "nope.v1.Nope", name: "Nope")
                await #expect(throws: RPCError.self) { try await pool.call(bogus, .init()) }
            }
        }
        let ok = try metrics.expectCounter(
            "dealer_client_calls_total", [("method", "/health.v1.Health/Check"), ("code", "OK")])
        #expect(ok.totalValue == 3)
        let unimplemented = try metrics.expectCounter(
            "dealer_client_calls_total", [("method", "/nope.v1.Nope/Nope"), ("code", "UNIMPLEMENTED")])
        #expect(unimplemented.totalValue == 1)
        let latency = try metrics.expectTimer("dealer_client_call_duration", [("method", "/health.v1.Health/Check")])
        #expect(latency.values.count == 3)
    }
}
