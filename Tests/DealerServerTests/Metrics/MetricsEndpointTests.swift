import DealerClient
import DealerProtocol
import DealerServer
import DealerTestSupport
import Prometheus
import Testing

@Suite("Prometheus metrics endpoint", .timeLimit(.minutes(2)))
struct MetricsEndpointTests {
    private static let check = Health_V1_Health.check.path

    @Test("GET /metrics over plain HTTP: calls, latency, connections, in flight and group commits move with the calls")
    func countersMoveAfterCalls() async throws {
        let metrics = ServerMetrics(registry: PrometheusCollectorRegistry())
        try await withServicesTestServer(configure: {
            $0.metrics = metrics
            $0.metricsPort = 0
        }) { server in
            let port = try #require(server.server.metricsAddress?.port)
            let before = try await PlainHTTPScrape.get(port: port, path: "/metrics")
            #expect(before.status == 200)
            #expect(before.sample("dealer_calls_total", ["method": Self.check, "code": "OK"]) == nil)
            #expect(before.sample("dealer_open_connections") == 0)

            let connection = try await server.connect()
            for _ in 0..<3 { _ = try await connection.call(Health_V1_Health.check, .init()) }
            _ = try await connection.signUpAndLogin(name: "Metrics", login: "metrics-admin")
            let nowhere = RPCMethod<Health_V1_CheckRequest, Health_V1_CheckResponse>(service: "nope.v1.Nope", name: "Nothing")
            await #expect(throws: RPCError.self) { _ = try await connection.call(nowhere, .init()) }

            let after = try await PlainHTTPScrape.get(port: port, path: "/metrics")
            #expect(after.status == 200)
            #expect(after.contentType.hasPrefix("text/plain; version=0.0.4"))
            #expect(after.sample("dealer_calls_total", ["method": Self.check, "code": "OK"]) == 3)
            #expect(after.sample("dealer_call_duration_seconds_count", ["method": Self.check]) == 3)
            #expect(after.sample("dealer_calls_total", ["method": Auth_V1_AuthService.signUp.path, "code": "OK"]) == 1)
            #expect(after.sample("dealer_calls_total", ["method": Auth_V1_AuthService.login.path, "code": "OK"]) == 1)
            #expect(after.sample("dealer_calls_total", ["method": ServerMetrics.unknownMethodLabel, "code": "UNIMPLEMENTED"]) == 1)
            #expect(after.text.contains("nope.v1.Nope") == false)
            #expect(after.sample("dealer_open_connections") == 1)
            #expect(after.sample("dealer_calls_in_flight") == 0)
            #expect(after.sample("dealer_lane_waiting", ["lane": "storage"]) == 0)
            #expect(after.sample("dealer_lane_running", ["lane": "write"]) == 0)
            // SignUp and Login write: at least one group committed.
            #expect((after.sample("dealer_group_commit_writes_count") ?? 0) >= 1)
            #expect((after.sample("dealer_group_commit_duration_seconds_count") ?? 0) >= 1)

            await connection.close()
            let missing = try await PlainHTTPScrape.get(port: port, path: "/other")
            #expect(missing.status == 404)
        }
    }

    @Test("a server without metricsPort serves no endpoint; the session cache ratio appears once a source is wired")
    func noEndpointUnlessAsked() async throws {
        try await withTestServer { server in
            #expect(server.server.metricsAddress == nil)
        }
        let metrics = ServerMetrics()
        metrics.reportSessionCacheHitRatio { 0.75 }
        try await withTestServer(configure: {
            $0.metrics = metrics
            $0.metricsPort = 0
        }) { server in
            let port = try #require(server.server.metricsAddress?.port)
            let scrape = try await PlainHTTPScrape.get(port: port, path: "/metrics")
            #expect(scrape.sample("dealer_session_cache_hit_ratio") == 0.75)
        }
    }
}
