import DealerProtocol
import NIOCore

/// What one load connection sends: pre-encoded, length-prefixed request
/// frames by call kind and slot (call id = slot + 1), so the hot path only
/// copies bytes; only AcceptRequest, whose request id comes from the
/// preceding SubmitRequest, is encoded per call.
struct ConnectionPlan: Sendable {
    let scenario: Scenario
    let mix: ScenarioMix
    let slots: Int
    /// Indexed by `CallKind.rawValue`, then slot; empty for kinds the scenario never sends.
    let frames: [[[UInt8]]]
    /// The dealer-mode session that accepts requests.
    let dealerToken: String

    init(scenario: Scenario, mix: ScenarioMix, slots: Int, seed: ScenarioSeed?, connection: Int) {
        self.scenario = scenario
        self.mix = mix
        self.slots = slots
        let dealerToken = seed?.dealerTokens[connection] ?? ""
        self.dealerToken = dealerToken
        let clients = seed.map { $0.clientTokens.isEmpty ? [] : $0.clientTokens[connection] } ?? []
        let dealerID = seed?.dealerAccountID ?? 0
        var frames = [[[UInt8]]](repeating: [], count: CallKind.allCases.count)
        func uses(_ part: Scenario) -> Bool { scenario == part || (scenario == .mixed && mix.weight(part) > 0) }
        for slot in 0..<slots {
            let callID = UInt64(slot + 1)
            if uses(.health) || scenario == .baseline {
                let frame = Self.frame(callID: callID, Health_V1_Health.check, Health_V1_CheckRequest(), token: "")
                frames[scenario == .baseline ? CallKind.echo.rawValue : CallKind.health.rawValue].append(frame)
            }
            if uses(.whoami) {
                frames[CallKind.whoami.rawValue].append(
                    Self.frame(callID: callID, Auth_V1_AuthService.whoAmI, Auth_V1_WhoAmIRequest(), token: dealerToken))
            }
            if uses(.list) {
                frames[CallKind.list.rawValue].append(
                    Self.frame(
                        callID: callID, Dealer_V1_DealerService.listIncomingRequests,
                        Dealer_V1_ListIncomingRequestsRequest(pageSize: ScenarioCommand.pageSize), token: dealerToken))
            }
            if uses(.write) {
                frames[CallKind.submit.rawValue].append(
                    Self.frame(
                        callID: callID, Client_V1_ClientService.submitRequest,
                        Client_V1_SubmitRequestRequest(dealerAccountID: dealerID, message: "load"), token: clients[slot]))
                frames[CallKind.disconnect.rawValue].append(
                    Self.frame(callID: callID, Client_V1_ClientService.disconnect, Client_V1_DisconnectRequest(), token: clients[slot]))
            }
        }
        self.frames = frames
    }

    /// The first call of the next operation of a slot.
    func firstCall(_ random: UInt64) -> CallKind {
        switch scenario {
        case .health: .health
        case .whoami: .whoami
        case .list: .list
        case .write: .submit
        case .mixed: mix.firstCall(random)
        case .baseline: .echo
        }
    }

    /// The AcceptRequest frame of `requestID`, for `slot`.
    func acceptFrame(slot: Int, requestID: Int64) -> [UInt8] {
        Self.frame(
            callID: UInt64(slot + 1), Dealer_V1_DealerService.acceptRequest,
            Dealer_V1_AcceptRequestRequest(requestID: requestID), token: dealerToken)
    }

    /// A length-prefixed Request frame.
    static func frame<Request: ProtoMessage, Response>(
        callID: UInt64, _ method: RPCMethod<Request, Response>, _ request: Request, token: String
    ) -> [UInt8] {
        let frame = Rpc_V1_Frame(
            kind: .request(
                Rpc_V1_Request(
                    callID: callID, method: method.path, sessionToken: token, timeoutMs: 0,
                    payload: request.serializedBytes())))
        return Array(RequestRing.lengthPrefixed(frame).readableBytesView)
    }
}
