import DealerProtocol

/// Builds the method table of the whole contract.
public enum ServiceAssembly {
    /// The services of the contract, by full name.
    public static let serviceNames: Set<String> = [
        Health_V1_Health.serviceName, Auth_V1_AuthService.serviceName,
        Dealer_V1_DealerService.serviceName, Client_V1_ClientService.serviceName,
        Registers_V1_RegisterService.serviceName,
    ]

    /// Every service of the contract. Without an environment (protocol tests)
    /// only Health is served; the rest answer UNIMPLEMENTED.
    public static func methodTable(servingState: ServingState, environment: ServiceEnvironment? = nil) -> MethodTable {
        var table = MethodTable()
        table.declare(
            Auth_V1_AuthService.allMethodPaths + Dealer_V1_DealerService.allMethodPaths
                + Client_V1_ClientService.allMethodPaths + Registers_V1_RegisterService.allMethodPaths)
        HealthService(state: servingState, services: serviceNames, storeHealth: environment?.store.health)
            .register(into: &table)
        if let environment {
            table.hashingLaneThreads = max(1, environment.configuration.maxConcurrentHashes)
            AuthService(environment: environment).register(into: &table)
            DealerService(environment: environment).register(into: &table)
            ClientService(environment: environment).register(into: &table)
            RegisterService(environment: environment).register(into: &table)
            RegisterTransfers(environment: environment).register(into: &table)
            let store = environment.store
            table.writeBatchRunner = WriteBatchRunner { body in
                store.runWriteGroup(body).map { RPCError.answering($0) ?? $0 }
            }
        }
        return table
    }
}
