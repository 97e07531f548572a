import DealerClient
import DealerProtocol
import DealerServices
import DealerTestSupport
import Testing

/// Health/Check follows the store: NOT_SERVING (with the reason) while the
/// database cannot be written, SERVING again once it can, without a restart.
@Suite("Health follows the store's ability to write")
struct StoreHealthTests {
    typealias Health = Health_V1_Health

    /// Polls Health/Check until it answers `status`, at most `polls` times
    /// (no event exists for "the store's probe succeeded").
    private func awaitHealth(_ net: DealerConnection, _ status: Health_V1_ServingStatus, polls: Int = 600) async throws {
        for _ in 0..<polls {
            if try await net.call(Health.check, .init()).status == status { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("Health/Check never answered \(status)")
    }

    @Test("a full database: writes fail RESOURCE_EXHAUSTED STORAGE_FULL and Health says NOT_SERVING; room again: SERVING and writes succeed")
    func fullDatabase() async throws {
        try await withServicesTestServer { server in
            let net = try await server.connect()
            let admin = try await net.signUpAndLogin(name: "Acme", login: "admin")
            #expect(try await net.call(Health.check, .init()).status == .serving)

            // Hold the database at its current size: writes needing a new page fail.
            _ = try server.store.setMaxPageCountForTesting(1)
            var refusal: RPCError?
            for index in 0..<2_000 where refusal == nil {
                let login = "user-\(index)-" + String(repeating: "x", count: 50)
                do {
                    _ = try await net.call(Auth.createUser, .init(login: login, password: Workflow.password), token: admin.token)
                } catch let error as RPCError {
                    refusal = error
                }
            }
            let full = try #require(refusal)
            #expect(full.code == .resourceExhausted && full.reason == .storageFull, "\(full)")
            let unhealthy = try await net.call(Health.check, .init())
            #expect(unhealthy.status == .notServing && unhealthy.reason == "STORAGE_FULL")
            #expect(try await net.call(Health.check, .init(service: Auth.serviceName)).status == .notServing)

            // Room again: the store's probe finds out, with no write from outside and no restart.
            _ = try server.store.setMaxPageCountForTesting(1_000_000_000)
            try await awaitHealth(net, .serving)
            #expect(try await net.call(Health.check, .init()).reason == "")
            _ = try await net.call(Auth.createUser, .init(login: "after-full", password: Workflow.password), token: admin.token)
            await net.close()
        }
    }

    @Test("a refused LoginToClient call whose audit record cannot be written is logged, not swallowed")
    func lostAuditRecordIsLogged() async throws {
        let recorder = RecordingLogHandler.Recorder()
        try await withServicesTestServer(logger: recorder.logger()) { server in
            let net = try await server.connect()
            let dealer = try await Workflow.dealer(net, name: "Dealer", login: "dealer")
            let client = try await Workflow.client(net, name: "Client", login: "client")
            try await Workflow.serve(net, client, by: dealer)
            let child = try await Workflow.impersonate(net, dealer, client)
            _ = try server.store.setMaxPageCountForTesting(1)
            // Each refused call appends an audit row, until one no longer fits.
            var lost = false
            for _ in 0..<2_000 where !lost {
                try await Workflow.expectRefusal(.permissionDenied, .notAllowedWhileImpersonating) {
                    _ = try await net.call(Client_V1_ClientService.disconnect, .init(), token: child)
                }
                lost = recorder.all.contains { $0.contains("audit record of a refused LoginToClient call not written") }
            }
            #expect(lost)
            _ = try server.store.setMaxPageCountForTesting(1_000_000_000)
            await net.close()
        }
    }
}
