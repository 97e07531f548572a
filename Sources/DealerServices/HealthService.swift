import DealerProtocol
import DealerStore
import Synchronization

/// Whether the server takes new work; flipped when graceful shutdown starts.
public final class ServingState: Sendable {
    private let serving = Atomic<Bool>(true)

    public init() {}

    public var isServing: Bool { serving.load(ordering: .relaxed) }

    /// Marks the server as draining: Health/Check answers NOT_SERVING from now on.
    public func stopServing() { serving.store(false, ordering: .relaxed) }
}

/// `health.v1.Health`: answered from memory on the event loop; needs no token.
/// NOT_SERVING, with its reason, while shutting down (`SHUTTING_DOWN`) or while
/// the store cannot serve (`STORAGE_FULL`, `STORAGE_UNAVAILABLE`: see `StoreHealth`,
/// which the store's writer keeps current); SERVING again once that clears.
public struct HealthService: Sendable {
    private let state: ServingState
    private let knownServices: Set<String>
    private let storeHealth: StoreHealth?

    /// - Parameters:
    ///   - services: the full names of the services this server serves.
    ///   - storeHealth: the store's health, when the server has a store.
    public init(state: ServingState, services: Set<String>, storeHealth: StoreHealth? = nil) {
        self.state = state
        self.knownServices = services
        self.storeHealth = storeHealth
    }

    public func check(_ request: Health_V1_CheckRequest) -> Health_V1_CheckResponse {
        if !request.service.isEmpty && !knownServices.contains(request.service) {
            return Health_V1_CheckResponse(status: .serviceUnknown)
        }
        if !state.isServing {
            return Health_V1_CheckResponse(status: .notServing, reason: RPCError.Reason.shuttingDown.rawValue)
        }
        if let problem = storeHealth?.problem {
            let reason: RPCError.Reason = problem == .full ? .storageFull : .storageUnavailable
            return Health_V1_CheckResponse(status: .notServing, reason: reason.rawValue)
        }
        return Health_V1_CheckResponse(status: .serving)
    }

    public func register(into table: inout MethodTable) {
        table.register(Health_V1_Health.check, execution: .eventLoop) { request, _ in
            self.check(request)
        }
    }
}
