/// The writes one crash-test writer sent: the acknowledged ones with their facts,
/// counted per method, and the one in flight when the connection died.
struct CrashCallLog: Sendable {
    /// A call sent and not (yet) answered.
    struct PendingCall: Sendable {
        let method: String
        /// What holds if it committed; empty when that depends on its answer (a new id).
        let factsIfCommitted: [CrashFact]
    }

    /// The write methods in the order the round line reports them.
    static let methods = [
        "SignUp", "CreateUser", "SetUserRights", "SubmitRequest", "AcceptRequest", "RejectRequest", "Disconnect",
        "CreateOrganization", "CreateGroup", "AddRegister", "TransferRegisters", "ConvertGroupToClient",
    ]

    private(set) var acknowledgedFacts: [CrashFact] = []
    private(set) var acknowledgedByMethod: [String: Int] = [:]
    private(set) var inFlight: PendingCall?

    /// Sends a write with `send`; once it is answered counts it and records the
    /// facts `facts` derives from the answer. Until then it is the call in flight.
    mutating func write<Response>(
        _ method: String, ifCommitted: [CrashFact] = [], _ send: () async throws -> Response,
        facts: (Response) -> [CrashFact]
    ) async throws -> Response {
        inFlight = PendingCall(method: method, factsIfCommitted: ifCommitted)
        let response = try await send()
        inFlight = nil
        acknowledgedFacts += facts(response)
        acknowledgedByMethod[method, default: 0] += 1
        return response
    }

    /// Adds another log's acknowledged writes (and its call in flight, if any) to this one.
    mutating func append(_ other: CrashCallLog) {
        acknowledgedFacts += other.acknowledgedFacts
        acknowledgedByMethod.merge(other.acknowledgedByMethod, uniquingKeysWith: +)
        if let call = other.inFlight { inFlight = call }
    }
}
