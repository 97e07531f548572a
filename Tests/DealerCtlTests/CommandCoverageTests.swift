import DealerProtocol
import Testing

@testable import dealerctl

@Suite("every RPC has a dealerctl subcommand")
struct CommandCoverageTests {
    @Test func everyMethodInProtoHasASubcommand() throws {
        let contract = try ProtoContract.load()
        let table = DealerCtl.methodTable
        let missing = contract.methodPaths.subtracting(table.keys).sorted()
        #expect(missing.isEmpty, "methods without a dealerctl subcommand: \(missing)")
        let unknown = Set(table.keys).subtracting(contract.methodPaths).sorted()
        #expect(unknown.isEmpty, "subcommands naming methods that proto/ does not declare: \(unknown)")
    }

    @Test func theGeneratedMethodListsAreTheMethodsOfProto() throws {
        let generated = Set(
            Auth_V1_AuthService.allMethodPaths + Dealer_V1_DealerService.allMethodPaths + Client_V1_ClientService.allMethodPaths
                + Registers_V1_RegisterService.allMethodPaths + Health_V1_Health.allMethodPaths)
        #expect(generated == (try ProtoContract.load()).methodPaths)
    }

    @Test func theTableNamesTheSubcommandsAsTyped() {
        let table = DealerCtl.methodTable
        #expect(table[Dealer_V1_DealerService.acceptRequest.path] == ["dealer accept"])
        #expect(Set(table[Dealer_V1_DealerService.setRequestBlocked.path] ?? []) == ["dealer block", "dealer unblock"])
        #expect(Set(table[Dealer_V1_DealerService.listClients.path] ?? []) == ["dealer clients list", "clients list"])
        #expect(table[Client_V1_ClientService.listAuditEvents.path] == ["client audit"])
        #expect(table[Registers_V1_RegisterService.renameGroup.path] == ["registers groups rename"])
    }
}
