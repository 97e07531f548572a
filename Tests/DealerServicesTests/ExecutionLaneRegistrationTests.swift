import DealerProtocol
import DealerServices
import DealerTestSupport
import Testing

@Suite("Execution lanes of the registered methods")
struct ExecutionLaneRegistrationTests {
    /// Every method that hashes or verifies a password (docs/protocol.md §4).
    static let hashingPaths: Set<String> = [
        Auth_V1_AuthService.signUp.path, Auth_V1_AuthService.login.path, Auth_V1_AuthService.changePassword.path,
        Auth_V1_AuthService.createUser.path, Dealer_V1_DealerService.createClient.path,
        Dealer_V1_DealerService.convertGroupToClient.path,
    ]

    @Test("password-hashing methods run on the hashing lane, sized by maxConcurrentHashes; the rest never do")
    func lanes() async throws {
        try await withServicesTestServer { server in
            var configuration = ServicesConfiguration.testing
            configuration.maxConcurrentHashes = 3
            let environment = ServiceEnvironment(store: server.store, configuration: configuration)
            let table = ServiceAssembly.methodTable(servingState: ServingState(), environment: environment)
            #expect(table.hashingLaneThreads == 3)
            for (path, handler) in table.handlers {
                switch handler.execution {
                case .hashing: #expect(Self.hashingPaths.contains(path), "\(path) runs on the hashing lane")
                case .eventLoop: #expect(path == Health_V1_Health.check.path, "\(path) runs on the event loop")
                case .blocking: #expect(!Self.hashingPaths.contains(path), "\(path) hashes on a storage worker")
                }
            }
            #expect(Set(table.handlers.keys).isSuperset(of: Self.hashingPaths))
        }
    }
}
