import DealerProtocol
import DealerServices
import FuzzChecks

/// libFuzzer target: the request message of every method.
///
/// Input: the first byte picks a method of the full method table (every
/// path the server declares, in sorted order), the rest is the payload,
/// decoded as that method's request type with the checks of `checkRoundTrip`.
@_cdecl("LLVMFuzzerTestOneInput")
public func requestFuzzerTestOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    let method = requestDecoders[Int(start[0]) % requestDecoders.count]
    method.check(Array(UnsafeBufferPointer(start: start + 1, count: count - 1)))
    return 0
}

/// One method's request decoding check.
private struct RequestDecoder: Sendable {
    let path: String
    let check: @Sendable ([UInt8]) -> Void

    init<Request, Response>(_ method: RPCMethod<Request, Response>) {
        path = method.path
        check = { checkRoundTrip(Request.self, $0) }
    }
}

/// Every method of the full method table, in sorted path order (traps at
/// start if the table has a path this list lacks, or the other way round).
private let requestDecoders: [RequestDecoder] = {
    let known = [
        RequestDecoder(Health_V1_Health.check),
        RequestDecoder(Auth_V1_AuthService.signUp), RequestDecoder(Auth_V1_AuthService.login),
        RequestDecoder(Auth_V1_AuthService.logout), RequestDecoder(Auth_V1_AuthService.whoAmI),
        RequestDecoder(Auth_V1_AuthService.changePassword), RequestDecoder(Auth_V1_AuthService.listUsers),
        RequestDecoder(Auth_V1_AuthService.createUser), RequestDecoder(Auth_V1_AuthService.setUserRights),
        RequestDecoder(Auth_V1_AuthService.deleteUser),
        RequestDecoder(Client_V1_ClientService.findDealers), RequestDecoder(Client_V1_ClientService.listMyRequests),
        RequestDecoder(Client_V1_ClientService.submitRequest), RequestDecoder(Client_V1_ClientService.cancelRequest),
        RequestDecoder(Client_V1_ClientService.getServiceStatus), RequestDecoder(Client_V1_ClientService.disconnect),
        RequestDecoder(Client_V1_ClientService.listAuditEvents),
        RequestDecoder(Dealer_V1_DealerService.listClients), RequestDecoder(Dealer_V1_DealerService.listIncomingRequests),
        RequestDecoder(Dealer_V1_DealerService.createClient), RequestDecoder(Dealer_V1_DealerService.deleteClient),
        RequestDecoder(Dealer_V1_DealerService.loginToClient), RequestDecoder(Dealer_V1_DealerService.acceptRequest),
        RequestDecoder(Dealer_V1_DealerService.rejectRequest), RequestDecoder(Dealer_V1_DealerService.setRequestBlocked),
        RequestDecoder(Dealer_V1_DealerService.transferRegisters),
        RequestDecoder(Dealer_V1_DealerService.convertGroupToClient),
        RequestDecoder(Dealer_V1_DealerService.listTransfers),
        RequestDecoder(Registers_V1_RegisterService.listOrganizations),
        RequestDecoder(Registers_V1_RegisterService.getOrganization),
        RequestDecoder(Registers_V1_RegisterService.createOrganization),
        RequestDecoder(Registers_V1_RegisterService.updateOrganization),
        RequestDecoder(Registers_V1_RegisterService.deleteOrganization),
        RequestDecoder(Registers_V1_RegisterService.listGroups),
        RequestDecoder(Registers_V1_RegisterService.createGroup),
        RequestDecoder(Registers_V1_RegisterService.renameGroup),
        RequestDecoder(Registers_V1_RegisterService.deleteGroup),
        RequestDecoder(Registers_V1_RegisterService.listRegisters),
        RequestDecoder(Registers_V1_RegisterService.getRegister),
        RequestDecoder(Registers_V1_RegisterService.addRegister),
        RequestDecoder(Registers_V1_RegisterService.updateRegister),
        RequestDecoder(Registers_V1_RegisterService.moveRegistersToGroup),
        RequestDecoder(Registers_V1_RegisterService.removeRegister),
        RequestDecoder(Registers_V1_RegisterService.getRegisterHistory),
    ]
    let table = ServiceAssembly.methodTable(servingState: ServingState())
    let byPath = Dictionary(uniqueKeysWithValues: known.map { ($0.path, $0) })
    precondition(Set(byPath.keys) == table.declaredPaths, "the fuzzer's method list is not the server's method table")
    return table.declaredPaths.sorted().map { byPath[$0]! }
}()
