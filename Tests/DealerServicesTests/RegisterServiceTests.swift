import DealerClient
import DealerProtocol
import DealerServices
import DealerTestSupport
import Foundation
import Testing

@Suite("Register service")
struct RegisterServiceTests {
    typealias Registers = Registers_V1_RegisterService
    typealias Setup = RegisterWorkflow

    /// A server with one signed-up account, handed to `body` with a connection.
    func withAccount(_ body: (TestServer, DealerConnection, TestAccount) async throws -> Void) async throws {
        try await withServicesTestServer { server in
            let net = try await server.connect()
            let account = try await Workflow.client(net, name: "Service Center", login: "center")
            try await body(server, net, account)
            try Workflow.expectNoViolations(server)
            await net.close()
        }
    }

    @Test("CreateOrganization checks the INN's check digits and the KPP; an INN is unique in an account")
    func organizationValidation() async throws {
        try await withAccount { _, net, center in
            let company = try await Setup.organization(net, center.token, name: "Sberbank", inn: "7707083893", kpp: "773601001")
            #expect(company.inn == "7707083893" && company.kpp == "773601001" && company.accountID == center.accountID)
            let entrepreneur = try await Setup.organization(net, center.token, name: "IP Ivanov", inn: "500100732259")
            #expect(entrepreneur.kpp.isEmpty)
            _ = try await Setup.organization(net, center.token, name: "VTB", inn: "7702070139")
            let invalid: [(Registers_V1_CreateOrganizationRequest, RPCError.Reason)] = [
                (.init(name: "X", inn: "7707083894"), .invalidInn),  // last check digit off by one
                (.init(name: "X", inn: "500100732258"), .invalidInn),  // 12th digit wrong
                (.init(name: "X", inn: "500100732269"), .invalidInn),  // 11th digit wrong
                (.init(name: "X", inn: "1234567890"), .invalidInn),
                (.init(name: "X", inn: "77070838"), .invalidInn),
                (.init(name: "X", inn: "77070838a3"), .invalidInn),
                (.init(name: "X", inn: ""), .invalidInn),
                (.init(name: "X", inn: "7736207543", kpp: "77360100"), .invalidKpp),
                (.init(name: "X", inn: "7736207543", kpp: "77360100x"), .invalidKpp),
                (.init(name: "X", inn: "773173084809", kpp: "773601001"), .invalidKpp),  // an entrepreneur has no KPP
                (.init(name: "  ", inn: "7736207543"), .invalidName),
                (.init(name: String(repeating: "n", count: 201), inn: "7736207543"), .invalidName),
            ]
            for (request, reason) in invalid {
                try await Workflow.expectRefusal(.invalidArgument, reason) {
                    _ = try await net.call(Registers.createOrganization, request, token: center.token)
                }
            }
            try await Workflow.expectRefusal(.alreadyExists, .innInUse) {
                _ = try await Setup.organization(net, center.token, name: "Again", inn: "7707083893")
            }
            // Unique within the account only; free again once deleted.
            let other = try await Workflow.client(net, name: "Other", login: "other")
            _ = try await Setup.organization(net, other.token, name: "Sberbank", inn: "7707083893")
            _ = try await net.call(Registers.deleteOrganization, .init(organizationID: company.id), token: center.token)
            let again = try await Setup.organization(net, center.token, name: "Sberbank", inn: "7707083893")
            #expect(again.id != company.id)
            try await Workflow.expectRefusal(.notFound, .organizationNotFound) {
                _ = try await net.call(Registers.getOrganization, .init(organizationID: company.id), token: center.token)
            }
            let updated = try await net.call(
                Registers.updateOrganization, .init(organizationID: again.id, name: "Sber", kpp: "773601002"), token: center.token)
            #expect(updated.organization?.name == "Sber" && updated.organization?.kpp == "773601002")
            let listed = try await net.call(Registers.listOrganizations, .init(), token: center.token).organizations
            #expect(listed.map(\.inn) == ["500100732259", "7702070139", "7707083893"])
        }
    }

    @Test("AddRegister validates its numbers; serial (per model) and registration numbers are unique across the service")
    func registerValidation() async throws {
        try await withAccount { _, net, center in
            let organization = try await Setup.organization(net, center.token, inn: Setup.sberbankINN)
            let base = Setup.newRegister(1, organization: organization.id)
            var cases: [(Registers_V1_AddRegisterRequest, RPCError.Reason)] = []
            func with(_ change: (inout Registers_V1_AddRegisterRequest) -> Void, _ reason: RPCError.Reason) {
                var request = base
                change(&request)
                cases.append((request, reason))
            }
            with({ $0.registrationNumber = "000000000000001" }, .invalidRegistrationNumber)
            with({ $0.registrationNumber = "00000000000000012" }, .invalidRegistrationNumber)
            with({ $0.registrationNumber = "000000000000001a" }, .invalidRegistrationNumber)
            with({ $0.fiscalDriveNumber = "99990000000000" }, .invalidFiscalDriveNumber)
            with({ $0.fiscalDriveNumber = "999900000000000x" }, .invalidFiscalDriveNumber)
            with({ $0.serialNumber = "" }, .invalidSerialNumber)
            with({ $0.serialNumber = "SN 1" }, .invalidSerialNumber)
            with({ $0.serialNumber = String(repeating: "1", count: 21) }, .invalidSerialNumber)
            with({ $0.model = "" }, .invalidModel)
            with({ $0.name = String(repeating: "n", count: 201) }, .invalidName)
            with({ $0.address = String(repeating: "a", count: 501) }, .invalidAddress)
            for (request, reason) in cases {
                try await Workflow.expectRefusal(.invalidArgument, reason) {
                    _ = try await net.call(Registers.addRegister, request, token: center.token)
                }
            }
            let first = try await net.call(Registers.addRegister, base, token: center.token).register!
            #expect(first.state == .active && first.serialNumber == "SN-1" && first.groupID == 0)

            // Another account: the same serial of the same model, or the same registration number, is taken.
            let other = try await Workflow.client(net, name: "Other", login: "other")
            let otherOrganization = try await Setup.organization(net, other.token, inn: Setup.sberbankINN)
            var sameSerial = Setup.newRegister(2, organization: otherOrganization.id)
            sameSerial.serialNumber = "SN-1"
            try await Workflow.expectRefusal(.alreadyExists, .serialInUse) {
                _ = try await net.call(Registers.addRegister, sameSerial, token: other.token)
            }
            sameSerial.model = "Shtrih-M"
            _ = try await net.call(Registers.addRegister, sameSerial, token: other.token)
            var sameNumber = Setup.newRegister(3, organization: otherOrganization.id)
            sameNumber.registrationNumber = base.registrationNumber
            try await Workflow.expectRefusal(.alreadyExists, .registrationNumberInUse) {
                _ = try await net.call(Registers.addRegister, sameNumber, token: other.token)
            }
            // Another account's organization or group is not found.
            let otherGroup = try await Setup.group(net, other.token, name: "Shop")
            try await Workflow.expectRefusal(.notFound, .organizationNotFound) {
                _ = try await net.call(Registers.addRegister, Setup.newRegister(4, organization: otherOrganization.id), token: center.token)
            }
            try await Workflow.expectRefusal(.notFound, .groupNotFound) {
                _ = try await net.call(
                    Registers.addRegister, Setup.newRegister(4, organization: organization.id, group: otherGroup.id),
                    token: center.token)
            }
            try await Workflow.expectRefusal(.notFound, .registerNotFound) {
                _ = try await net.call(Registers.getRegister, .init(registerID: first.id), token: other.token)
            }
        }
    }

    @Test("RemoveRegister is soft: the register and its history stay, its numbers stay reserved, it is frozen")
    func softRemove() async throws {
        try await withAccount { _, net, center in
            let organization = try await Setup.organization(net, center.token, inn: Setup.sberbankINN)
            let group = try await Setup.group(net, center.token, name: "Shop 1")
            let register = try await Setup.addRegister(net, center.token, 1, organization: organization.id, group: group.id)
            let removed = try await net.call(Registers.removeRegister, .init(registerID: register.id), token: center.token).register!
            #expect(removed.state == .removed && removed.groupID == 0 && removed.removedAtMs > 0)
            #expect(try await net.call(Registers.getRegister, .init(registerID: register.id), token: center.token).register == removed)
            let history = try await Setup.history(net, center.token, register.id)
            #expect(history.map(\.kind) == [.added, .removed])
            #expect(history.last?.fromGroupID == group.id && history.last?.toGroupID == 0)
            try await Workflow.expectRefusal(.alreadyExists, .serialInUse) {
                _ = try await Setup.addRegister(net, center.token, 1, organization: organization.id)
            }
            var sameNumber = Setup.newRegister(2, organization: organization.id)
            sameNumber.registrationNumber = register.registrationNumber
            try await Workflow.expectRefusal(.alreadyExists, .registrationNumberInUse) {
                _ = try await net.call(Registers.addRegister, sameNumber, token: center.token)
            }
            try await Workflow.expectRefusal(.failedPrecondition, .registerRemoved) {
                _ = try await net.call(
                    Registers.updateRegister, .init(registerID: register.id, updateFields: [.name], name: "x"), token: center.token)
            }
            try await Workflow.expectRefusal(.failedPrecondition, .registerRemoved) {
                _ = try await net.call(Registers.removeRegister, .init(registerID: register.id), token: center.token)
            }
            try await Workflow.expectRefusal(.failedPrecondition, .registerRemoved) {
                _ = try await net.call(Registers.moveRegistersToGroup, .init(registerIds: [register.id], groupID: group.id), token: center.token)
            }
            let active = try await net.call(Registers.listRegisters, .init(state: .active), token: center.token).registers
            let gone = try await net.call(Registers.listRegisters, .init(state: .removed), token: center.token).registers
            #expect(active.isEmpty && gone.map(\.id) == [register.id])
        }
    }

    @Test("DeleteOrganization and DeleteGroup are refused while registers point at them; group names are unique")
    func deleteRefusals() async throws {
        try await withAccount { _, net, center in
            let organization = try await Setup.organization(net, center.token, inn: Setup.sberbankINN)
            let group = try await Setup.group(net, center.token, name: "Shop 1")
            try await Workflow.expectRefusal(.alreadyExists, .groupNameTaken) {
                _ = try await Setup.group(net, center.token, name: "Shop 1")
            }
            let second = try await Setup.group(net, center.token, name: "Shop 2")
            try await Workflow.expectRefusal(.alreadyExists, .groupNameTaken) {
                _ = try await net.call(Registers.renameGroup, .init(groupID: second.id, name: "Shop 1"), token: center.token)
            }
            let register = try await Setup.addRegister(net, center.token, 1, organization: organization.id, group: group.id)
            #expect(try await net.call(Registers.listGroups, .init(), token: center.token).groups.map(\.registerCount) == [1, 0])
            try await Workflow.expectRefusal(.failedPrecondition, .groupNotEmpty) {
                _ = try await net.call(Registers.deleteGroup, .init(groupID: group.id), token: center.token)
            }
            try await Workflow.expectRefusal(.failedPrecondition, .organizationHasRegisters) {
                _ = try await net.call(Registers.deleteOrganization, .init(organizationID: organization.id), token: center.token)
            }
            _ = try await net.call(Registers.moveRegistersToGroup, .init(registerIds: [register.id]), token: center.token)
            _ = try await net.call(Registers.deleteGroup, .init(groupID: group.id), token: center.token)
            #expect(try await net.call(Registers.listGroups, .init(), token: center.token).groups.map(\.id) == [second.id])
            // A removed register still belongs to its organization.
            _ = try await net.call(Registers.removeRegister, .init(registerID: register.id), token: center.token)
            try await Workflow.expectRefusal(.failedPrecondition, .organizationHasRegisters) {
                _ = try await net.call(Registers.deleteOrganization, .init(organizationID: organization.id), token: center.token)
            }
            // The name of a deleted group is free again.
            _ = try await Setup.group(net, center.token, name: "Shop 1")
        }
    }

    @Test("MoveRegistersToGroup moves all or nothing, names every offending id, and records each move")
    func moveToGroup() async throws {
        try await withAccount { _, net, center in
            let organization = try await Setup.organization(net, center.token, inn: Setup.sberbankINN)
            let group = try await Setup.group(net, center.token, name: "Shop 1")
            let registers = try await Setup.addRegisters(net, center.token, 1..<4, organization: organization.id)
            let ids = registers.map(\.id)
            let removed = try await Setup.addRegister(net, center.token, 9, organization: organization.id)
            _ = try await net.call(Registers.removeRegister, .init(registerID: removed.id), token: center.token)
            let other = try await Workflow.client(net, name: "Other", login: "other")
            let foreignOrganization = try await Setup.organization(net, other.token, inn: Setup.sberbankINN)
            let foreign = try await Setup.addRegister(net, other.token, 10, organization: foreignOrganization.id)
            do {
                _ = try await net.call(
                    Registers.moveRegistersToGroup, .init(registerIds: ids + [foreign.id, removed.id], groupID: group.id),
                    token: center.token)
                Issue.record("a batch with foreign and removed registers moved")
            } catch let error as RPCError {
                #expect(error.code == .notFound && error.reason == .registerNotFound)
                #expect(error.message.contains("not found: \(foreign.id)") && error.message.contains("removed: \(removed.id)"))
            }
            #expect(try await Setup.registers(net, center.token).allSatisfy { $0.groupID == 0 })
            let moved = try await net.call(
                Registers.moveRegistersToGroup, .init(registerIds: [ids[1], ids[0], ids[0]], groupID: group.id), token: center.token)
            #expect(moved.movedRegisterIds == [ids[0], ids[1]] && moved.unchangedRegisterIds.isEmpty)
            let again = try await net.call(
                Registers.moveRegistersToGroup, .init(registerIds: ids, groupID: group.id), token: center.token)
            #expect(again.movedRegisterIds == [ids[2]] && again.unchangedRegisterIds == [ids[0], ids[1]])
            let history = try await Setup.history(net, center.token, ids[0])
            #expect(history.map(\.kind) == [.added, .groupChanged])
            #expect(history[1].fromGroupID == 0 && history[1].toGroupID == group.id && history[1].userLogin == "center")
            // Filters and paging.
            let inGroup = try await net.call(Registers.listRegisters, .init(groupID: group.id), token: center.token).registers
            #expect(inGroup.map(\.id) == ids)
            let ungrouped = try await net.call(Registers.listRegisters, .init(withoutGroup: true), token: center.token).registers
            #expect(ungrouped.map(\.id) == [removed.id])
            var seen: [Int64] = []
            var token = ""
            repeat {
                let page = try await net.call(Registers.listRegisters, .init(pageSize: 2, pageToken: token), token: center.token)
                seen += page.registers.map(\.id)
                token = page.nextPageToken
            } while !token.isEmpty
            #expect(seen == ids + [removed.id])
            try await Workflow.expectRefusal(.invalidArgument, .invalidArgument) {
                _ = try await net.call(Registers.moveRegistersToGroup, .init(registerIds: []), token: center.token)
            }
            try await Workflow.expectRefusal(.invalidArgument, .tooManyRegisters) {
                _ = try await net.call(
                    Registers.moveRegistersToGroup, .init(registerIds: (1...10_001).map { Int64($0) }), token: center.token)
            }
        }
    }

    @Test("UpdateRegister changes only the listed fields; a new owner is a history entry")
    func updateRegister() async throws {
        try await withAccount { _, net, center in
            let first = try await Setup.organization(net, center.token, inn: Setup.sberbankINN)
            let second = try await Setup.organization(net, center.token, inn: Setup.vtbINN)
            let register = try await Setup.addRegister(net, center.token, 1, organization: first.id)
            let renamed = try await net.call(
                Registers.updateRegister,
                .init(registerID: register.id, updateFields: [.name], name: "Front", address: "ignored"), token: center.token
            ).register!
            #expect(renamed.name == "Front" && renamed.address == register.address)
            let moved = try await net.call(
                Registers.updateRegister,
                .init(registerID: register.id, updateFields: [.organization, .fiscalDriveNumber], organizationID: second.id,
                      fiscalDriveNumber: "8888000000000001"), token: center.token
            ).register!
            #expect(moved.organizationID == second.id && moved.fiscalDriveNumber == "8888000000000001" && moved.name == "Front")
            let history = try await Setup.history(net, center.token, register.id)
            #expect(history.map(\.kind) == [.added, .organizationChanged])
            #expect(history[1].fromOrganizationID == first.id && history[1].toOrganizationID == second.id)
            try await Workflow.expectRefusal(.invalidArgument, .invalidArgument) {
                _ = try await net.call(Registers.updateRegister, .init(registerID: register.id), token: center.token)
            }
            try await Workflow.expectRefusal(.invalidArgument, .invalidFiscalDriveNumber) {
                _ = try await net.call(
                    Registers.updateRegister,
                    .init(registerID: register.id, updateFields: [.fiscalDriveNumber], fiscalDriveNumber: "1"), token: center.token)
            }
            try await Workflow.expectRefusal(.failedPrecondition, .organizationHasRegisters) {
                _ = try await net.call(Registers.deleteOrganization, .init(organizationID: second.id), token: center.token)
            }
            // The former owner has no register left: it may go (its id stays in the history).
            _ = try await net.call(Registers.deleteOrganization, .init(organizationID: first.id), token: center.token)
            #expect(try await Setup.history(net, center.token, register.id)[0].toOrganizationID == first.id)
        }
    }
}
