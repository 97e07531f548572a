import DealerProtocol
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
public struct HealthService: Sendable {
    private let state: ServingState
    private let knownServices: Set<String>

    /// - Parameter services: the full names of the services this server serves.
    public init(state: ServingState, services: Set<String>) {
        self.state = state
        self.knownServices = services
    }

    public func check(_ request: Health_V1_CheckRequest) -> Health_V1_CheckResponse {
        if !request.service.isEmpty && !knownServices.contains(request.service) {
            return Health_V1_CheckResponse(status: .serviceUnknown)
        }
        return Health_V1_CheckResponse(status: state.isServing ? .serving : .notServing)
    }

    public func register(into table: inout MethodTable) {
        table.register(Health_V1_Health.check, execution: .eventLoop) { request, _ in
            self.check(request)
        }
    }
}
