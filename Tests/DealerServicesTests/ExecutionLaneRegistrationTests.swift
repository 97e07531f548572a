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

    /// Every other method that changes state (docs/protocol.md §4, write lane).
    static let writePaths: Set<String> = [
        Auth_V1_AuthService.logout.path, Auth_V1_AuthService.setUserRights.path, Auth_V1_AuthService.deleteUser.path,
        Client_V1_ClientService.submitRequest.path, Client_V1_ClientService.cancelRequest.path,
        Client_V1_ClientService.disconnect.path, Dealer_V1_DealerService.deleteClient.path,
        Dealer_V1_DealerService.loginToClient.path, Dealer_V1_DealerService.acceptRequest.path,
        Dealer_V1_DealerService.rejectRequest.path, Dealer_V1_DealerService.setRequestBlocked.path,
        Dealer_V1_DealerService.transferRegisters.path,
        Registers_V1_RegisterService.createOrganization.path, Registers_V1_RegisterService.updateOrganization.path,
        Registers_V1_RegisterService.deleteOrganization.path, Registers_V1_RegisterService.createGroup.path,
        Registers_V1_RegisterService.renameGroup.path, Registers_V1_RegisterService.deleteGroup.path,
        Registers_V1_RegisterService.addRegister.path, Registers_V1_RegisterService.updateRegister.path,
        Registers_V1_RegisterService.moveRegistersToGroup.path, Registers_V1_RegisterService.removeRegister.path,
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
                case .blocking:
                    #expect(!Self.hashingPaths.contains(path), "\(path) hashes on a storage worker")
                    #expect(!Self.writePaths.contains(path), "\(path) writes on a storage worker")
                case .writing: #expect(!Self.hashingPaths.contains(path), "\(path) hashes on a write worker")
                }
            }
            #expect(Set(table.handlers.keys).isSuperset(of: Self.hashingPaths))
            #expect(Set(table.handlers.keys).isSuperset(of: Self.writePaths))
            for path in Self.writePaths { #expect(table.handlers[path]?.execution == .writing, "\(path) runs on the write lane") }
        }
    }
}
