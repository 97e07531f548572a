import DealerClient
import DealerProtocol
import DealerServices
import DealerTestSupport
import Foundation
import Testing

@Suite("Register transfers")
struct RegisterTransfersTests {
    typealias Registers = Registers_V1_RegisterService
    typealias Dealer = Dealer_V1_DealerService
    typealias Client = Client_V1_ClientService
    typealias Setup = RegisterWorkflow

    /// A dealer D serving client C (with a LoginToClient token into it), each holding an
    /// organization with the same INN.
    struct Pair {
        let dealer: TestAccount
        let client: TestAccount
        let clientToken: String  // D's LoginToClient session into C
        let dealerOrganization: Registers_V1_Organization
        let clientOrganization: Registers_V1_Organization
    }

    func withPair(_ body: (TestServer, DealerConnection, Pair) async throws -> Void) async throws {
        try await withServicesTestServer { server in
            let net = try await server.connect()
            let dealer = try await Workflow.dealer(net, name: "Service Center", login: "center")
            let client = try await Workflow.client(net, name: "Bakery", login: "bakery")
            try await Workflow.serve(net, client, by: dealer)
            let clientToken = try await Workflow.impersonate(net, dealer, client)
            let pair = Pair(
                dealer: dealer, client: client, clientToken: clientToken,
                dealerOrganization: try await Setup.organization(net, dealer.token, inn: Setup.sberbankINN),
                clientOrganization: try await Setup.organization(net, clientToken, inn: Setup.sberbankINN))
            try await body(server, net, pair)
            try Workflow.expectNoViolations(server)
            await net.close()
        }
    }

    func transfer(
        _ net: DealerConnection, _ pair: Pair, _ ids: [Int64], to target: Int64, group: Int64 = 0,
        operationID: String = Setup.operationID(), dryRun: Bool = false
    ) async throws -> Dealer_V1_TransferRegistersResponse {
        try await net.call(
            Dealer.transferRegisters,
            .init(registerIds: ids, targetAccountID: target, targetGroupID: group, operationID: operationID, dryRun: dryRun),
            token: pair.dealer.token)
    }

    @Test("TransferRegisters keeps each register's identity and history; both accounts' audit trails show it")
    func transferKeepsIdentity() async throws {
        try await withPair { _, net, pair in
            let shop = try await Setup.group(net, pair.dealer.token, name: "Bakery shop")
            let registers = try await Setup.addRegisters(
                net, pair.dealer.token, 1..<4, organization: pair.dealerOrganization.id, group: shop.id)
            let target = try await Setup.group(net, pair.clientToken, name: "Main")
            let operationID = Setup.operationID()
            let moved = try await transfer(
                net, pair, registers.map(\.id).reversed(), to: pair.client.accountID, group: target.id, operationID: operationID)
            #expect(moved.transferID > 0 && !moved.dryRun && !moved.replayed && moved.operationID == operationID.lowercased())
            #expect(moved.registers.map(\.registerID) == registers.map(\.id))
            #expect(moved.registers.allSatisfy {
                $0.fromAccountID == pair.dealer.accountID && $0.fromGroupID == shop.id
                    && $0.fromOrganizationID == pair.dealerOrganization.id && $0.toOrganizationID == pair.clientOrganization.id
            })
            for register in registers {
                let now = try await net.call(Registers.getRegister, .init(registerID: register.id), token: pair.client.token).register!
                #expect(now.serialNumber == register.serialNumber && now.registrationNumber == register.registrationNumber)
                #expect(now.accountID == pair.client.accountID && now.groupID == target.id)
                #expect(now.organizationID == pair.clientOrganization.id && now.createdAtMs == register.createdAtMs)
                // The client sees the whole history, including the move that brought the register in.
                let history = try await Setup.history(net, pair.client.token, register.id)
                #expect(history.map(\.kind) == [.added, .transferred])
                #expect(history[0].toAccountID == pair.dealer.accountID && history[1].fromAccountID == pair.dealer.accountID)
                #expect(history[1].toAccountID == pair.client.accountID && history[1].operationID == operationID.lowercased())
                #expect(history[1].transferID == moved.transferID && history[1].userLogin == "center")
                try await Workflow.expectRefusal(.notFound, .registerNotFound) {
                    _ = try await net.call(Registers.getRegister, .init(registerID: register.id), token: pair.dealer.token)
                }
            }
            for token in [pair.dealer.token, pair.client.token] {
                let events = try await net.call(Client.listAuditEvents, .init(), token: token).events
                #expect(events.contains { $0.object == "transfer:\(moved.transferID)" && $0.method == Dealer.transferRegisters.path })
            }
            let listed = try await net.call(Dealer.listTransfers, .init(), token: pair.dealer.token).transfers
            #expect(listed.count == 1)
            #expect(listed.first?.registerIds == registers.map(\.id) && listed.first?.registerCount == 3)
            #expect(listed.first?.sourceAccountIds == [pair.dealer.accountID] && listed.first?.kind == .transferRegisters)
            #expect(listed.first?.targetAccountID == pair.client.accountID && listed.first?.userLogin == "center")
            // And back: the chain goes on from where it ended.
            _ = try await transfer(net, pair, [registers[0].id], to: pair.dealer.accountID)
            let history = try await Setup.history(net, pair.dealer.token, registers[0].id)
            #expect(history.map(\.toAccountID) == [pair.dealer.accountID, pair.client.accountID, pair.dealer.accountID])
        }
    }

    @Test("a dealer sets up its client through LoginToClient: the history and the client's audit trail name the dealer")
    func setUpThroughLoginToClient() async throws {
        try await withPair { _, net, pair in
            let register = try await Setup.addRegister(net, pair.clientToken, 1, organization: pair.clientOrganization.id)
            #expect(register.accountID == pair.client.accountID)
            let entry = try #require(try await Setup.history(net, pair.client.token, register.id).first)
            #expect(entry.kind == .added && entry.userLogin == "center")
            #expect(entry.impersonator?.dealerAccountID == pair.dealer.accountID && entry.impersonator?.dealerLogin == "center")
            let events = try await net.call(Client.listAuditEvents, .init(), token: pair.client.token).events
            let added = try #require(events.first { $0.method == Registers.addRegister.path })
            #expect(added.object == "register:\(register.id)" && added.impersonator?.dealerAccountID == pair.dealer.accountID)
            // A plain user of the client reads the register but cannot change it.
            let clerk = try await Workflow.plainUser(net, in: pair.client, login: "bakery-clerk")
            #expect(try await Setup.registers(net, clerk).map(\.id) == [register.id])
            try await Workflow.expectRefusal(.permissionDenied, .adminRequired) {
                _ = try await net.call(Registers.removeRegister, .init(registerID: register.id), token: clerk)
            }
        }
    }

    @Test("a register moved from one client to another: the new holder sees the whole chain, not the old holder's users")
    func historyBetweenClients() async throws {
        try await withPair { _, net, pair in
            let register = try await Setup.addRegister(net, pair.client.token, 1, organization: pair.clientOrganization.id)
            let other = try await Workflow.client(net, name: "Dairy", login: "dairy")
            try await Workflow.serve(net, other, by: pair.dealer)
            _ = try await Setup.organization(net, other.token, inn: Setup.sberbankINN)
            let moved = try await transfer(net, pair, [register.id], to: other.accountID)
            #expect(moved.registers.first?.fromAccountID == pair.client.accountID)
            let history = try await Setup.history(net, other.token, register.id)
            #expect(history.map(\.kind) == [.added, .transferred])
            #expect(history.map(\.toAccountID) == [pair.client.accountID, other.accountID])
            #expect(history[0].userID == 0 && history[0].userLogin.isEmpty)  // the bakery's admin stays private
            #expect(history[1].userLogin == "center")  // the dealer serving the reader is named
            let dealerTrail = try await net.call(Client.listAuditEvents, .init(), token: pair.dealer.token).events
            #expect(dealerTrail.contains { $0.object == "transfer:\(moved.transferID)" })
        }
    }

    @Test("ListTransfers pages newest first, at most 20 operations a page")
    func listTransfersPaging() async throws {
        try await withPair { _, net, pair in
            let registers = try await Setup.addRegisters(net, pair.dealer.token, 0..<25, organization: pair.dealerOrganization.id)
            var transferIDs: [Int64] = []
            for register in registers {
                transferIDs.append(try await transfer(net, pair, [register.id], to: pair.client.accountID).transferID)
            }
            var seen: [Int64] = []
            var token = ""
            var pages = 0
            repeat {
                let page = try await net.call(Dealer.listTransfers, .init(pageSize: 500, pageToken: token), token: pair.dealer.token)
                #expect(page.transfers.count <= 20)
                seen += page.transfers.map(\.id)
                token = page.nextPageToken
                pages += 1
            } while !token.isEmpty
            #expect(seen == transferIDs.reversed() && pages == 2)
        }
    }

    @Test("one bad id among 100 moves nothing, and the error and the dry run name every offending id")
    func allOrNothing() async throws {
        try await withPair { server, net, pair in
            let registers = try await Setup.addRegisters(net, pair.dealer.token, 0..<99, organization: pair.dealerOrganization.id)
            let missing: Int64 = 9_999_999
            let ids = registers.map(\.id) + [missing]
            do {
                _ = try await transfer(net, pair, ids, to: pair.client.accountID)
                Issue.record("a batch with a missing register moved")
            } catch let error as RPCError {
                #expect(error.code == .notFound && error.reason == .registerNotFound)
                #expect(error.message.contains("not found: \(missing)"))
            }
            #expect(try await Setup.registers(net, pair.dealer.token).count == 99)
            #expect(try await Setup.registers(net, pair.client.token).isEmpty)
            #expect(try await net.call(Dealer.listTransfers, .init(), token: pair.dealer.token).transfers.isEmpty)
            // Several kinds of problems: a removed register, an organization the target lacks.
            _ = try await net.call(Registers.removeRegister, .init(registerID: registers[5].id), token: pair.dealer.token)
            let vtb = try await Setup.organization(net, pair.dealer.token, inn: Setup.vtbINN)
            let orphan = try await Setup.addRegister(net, pair.dealer.token, 500, organization: vtb.id)
            let preview = try await transfer(net, pair, ids + [orphan.id], to: pair.client.accountID, dryRun: true)
            #expect(preview.dryRun && preview.transferID == 0 && preview.registers.count == 98)
            #expect(preview.problems.map(\.registerID) == [registers[5].id, orphan.id, missing])
            #expect(preview.problems.map(\.reason) == ["REGISTER_REMOVED", "TARGET_HAS_NO_ORGANIZATION", "REGISTER_NOT_FOUND"])
            #expect(preview.problems[1].inn == Setup.vtbINN)
            do {
                _ = try await transfer(net, pair, registers.map(\.id) + [orphan.id], to: pair.client.accountID)
                Issue.record("a batch with a removed register moved")
            } catch let error as RPCError {
                #expect(error.code == .failedPrecondition && error.reason == .registerRemoved)
                #expect(error.message.contains("removed: \(registers[5].id)"))
                #expect(error.message.contains("no organization with INN \(Setup.vtbINN): \(orphan.id)"))
            }
            try await Workflow.expectRefusal(.failedPrecondition, .targetHasNoOrganization) {
                _ = try await transfer(net, pair, [orphan.id], to: pair.client.accountID)
            }
            try await Workflow.expectRefusal(.failedPrecondition, .registerAlreadyInTarget) {
                _ = try await transfer(net, pair, [registers[0].id], to: pair.dealer.accountID)
            }
            let history = try server.store.registerHistory(
                accountID: pair.dealer.accountID, registerID: registers[0].id, cursor: nil, limit: 10)
            #expect(history.items.map(\.kind) == [.added])
        }
    }

    @Test("dry run answers what the real call does; the same operation_id repeats the result, other arguments are refused")
    func idempotentRetry() async throws {
        try await withPair { _, net, pair in
            let registers = try await Setup.addRegisters(net, pair.dealer.token, 0..<5, organization: pair.dealerOrganization.id)
            let ids = registers.map(\.id)
            let operationID = Setup.operationID()
            let preview = try await transfer(net, pair, ids, to: pair.client.accountID, operationID: operationID, dryRun: true)
            #expect(try await Setup.registers(net, pair.dealer.token).count == 5)
            let first = try await transfer(net, pair, ids, to: pair.client.accountID, operationID: operationID)
            #expect(preview.registers == first.registers && preview.problems.isEmpty)
            // Same id, same arguments (in another order, in upper case): the first result, nothing moves again.
            let retry = try await transfer(
                net, pair, ids.reversed(), to: pair.client.accountID, operationID: operationID.uppercased())
            #expect(retry.replayed && retry.transferID == first.transferID && retry.registers == first.registers)
            let dryRetry = try await transfer(net, pair, ids, to: pair.client.accountID, operationID: operationID, dryRun: true)
            #expect(dryRetry.replayed && dryRetry.transferID == first.transferID)
            for register in registers {
                #expect(try await Setup.history(net, pair.client.token, register.id).map(\.kind) == [.added, .transferred])
            }
            #expect(try await net.call(Dealer.listTransfers, .init(), token: pair.dealer.token).transfers.count == 1)
            // Same id, other arguments.
            try await Workflow.expectRefusal(.failedPrecondition, .operationIDReused) {
                _ = try await transfer(net, pair, Array(ids.prefix(4)), to: pair.client.accountID, operationID: operationID)
            }
            try await Workflow.expectRefusal(.failedPrecondition, .operationIDReused) {
                _ = try await transfer(net, pair, ids, to: pair.dealer.accountID, operationID: operationID)
            }
            let shop = try await Setup.group(net, pair.dealer.token, name: "Shop")
            try await Workflow.expectRefusal(.failedPrecondition, .operationIDReused) {
                _ = try await net.call(
                    Dealer.convertGroupToClient,
                    .init(groupID: shop.id, accountName: "X", adminLogin: "x-admin", adminPassword: Workflow.password,
                          operationID: operationID), token: pair.dealer.token)
            }
            for bad in ["", "not-a-uuid", "123e4567-e89b-12d3-a456-42661417400", "123e4567-e89b-12d3-a456-42661417400g"] {
                try await Workflow.expectRefusal(.invalidArgument, .invalidOperationID) {
                    _ = try await transfer(net, pair, ids, to: pair.client.accountID, operationID: bad)
                }
            }
        }
    }

    @Test("the target must be the dealer's own account or one it serves; DeleteClient waits until its registers are gone")
    func targetsAndDeleteClient() async throws {
        try await withPair { _, net, pair in
            let register = try await Setup.addRegister(net, pair.dealer.token, 1, organization: pair.dealerOrganization.id)
            let stranger = try await Workflow.client(net, name: "Stranger", login: "stranger")
            _ = try await Setup.organization(net, stranger.token, inn: Setup.sberbankINN)
            try await Workflow.expectRefusal(.notFound, .clientNotFound) {
                _ = try await transfer(net, pair, [register.id], to: stranger.accountID)
            }
            let strangerGroup = try await Setup.group(net, stranger.token, name: "Theirs")
            try await Workflow.expectRefusal(.notFound, .groupNotFound) {
                _ = try await transfer(net, pair, [register.id], to: pair.client.accountID, group: strangerGroup.id)
            }
            _ = try await transfer(net, pair, [register.id], to: pair.client.accountID)
            try await Workflow.expectRefusal(.failedPrecondition, .accountHasRegisters) {
                _ = try await net.call(Dealer.deleteClient, .init(accountID: pair.client.accountID), token: pair.dealer.token)
            }
            _ = try await transfer(net, pair, [register.id], to: pair.dealer.accountID)
            _ = try await net.call(Dealer.deleteClient, .init(accountID: pair.client.accountID), token: pair.dealer.token)
            try await Workflow.expectRefusal(.notFound, .clientNotFound) {
                _ = try await transfer(net, pair, [register.id], to: pair.client.accountID)
            }
        }
    }

    @Test("a service center with several groups (one organization shared) migrates every group into its own client")
    func fullMigration() async throws {
        try await withServicesTestServer { server in
            let net = try await server.connect()
            let center = try await Workflow.dealer(net, name: "Service Center", login: "center")
            let bakery = try await Setup.organization(net, center.token, name: "Bakery LLC", inn: Setup.sberbankINN, kpp: "773601001")
            let chain = try await Setup.organization(net, center.token, name: "Chain LLC", inn: Setup.yandexINN)
            let farmer = try await Setup.organization(net, center.token, name: "IP Farmer", inn: Setup.entrepreneurINN)
            let shop1 = try await Setup.group(net, center.token, name: "Shop 1")
            let shop2 = try await Setup.group(net, center.token, name: "Shop 2")
            let market = try await Setup.group(net, center.token, name: "Market")
            let shop1Registers = try await Setup.addRegisters(net, center.token, 0..<3, organization: bakery.id, group: shop1.id)
                + Setup.addRegisters(net, center.token, 3..<5, organization: chain.id, group: shop1.id)
            let shop2Registers = try await Setup.addRegisters(net, center.token, 5..<7, organization: chain.id, group: shop2.id)
            let marketRegisters = try await Setup.addRegisters(net, center.token, 7..<9, organization: farmer.id, group: market.id)

            func convert(_ group: Registers_V1_Group, login: String, operationID: String, copy: Bool, dryRun: Bool = false,
                         password: String = Workflow.password) async throws -> Dealer_V1_ConvertGroupToClientResponse {
                try await net.call(
                    Dealer.convertGroupToClient,
                    .init(groupID: group.id, accountName: group.name + " Ltd", adminLogin: login, adminPassword: password,
                          operationID: operationID, dryRun: dryRun, copySharedOrganizations: copy),
                    token: center.token)
            }

            // Shop 1 shares Chain LLC with Shop 2: the dry run says so, the call is refused without the copy flag.
            let operation1 = Setup.operationID()
            let conflict = try await convert(shop1, login: "shop1-admin", operationID: operation1, copy: false, dryRun: true)
            #expect(conflict.sharedOrganizations.map(\.organizationID) == [chain.id])
            #expect(conflict.sharedOrganizations.first?.registersInGroup == 2 && conflict.sharedOrganizations.first?.registersOutsideGroup == 2)
            #expect(conflict.organizations.map(\.kind) == [.moved, .copied] && conflict.account?.id == 0)
            try await Workflow.expectRefusal(.failedPrecondition, .sharedOrganization) {
                _ = try await convert(shop1, login: "shop1-admin", operationID: operation1, copy: false)
            }
            #expect(try await net.call(Registers.listRegisters, .init(groupID: shop1.id), token: center.token).registers.count == 5)

            let operation2 = Setup.operationID()
            let preview = try await convert(shop1, login: "shop1-admin", operationID: operation2, copy: true, dryRun: true)
            let converted = try await convert(shop1, login: "shop1-admin", operationID: operation2, copy: true)
            #expect(preview.registers.map(\.registerID) == converted.registers.map(\.registerID))
            #expect(preview.registers.map(\.fromOrganizationID) == converted.registers.map(\.fromOrganizationID))
            #expect(preview.organizations.map(\.sourceOrganizationID) == converted.organizations.map(\.sourceOrganizationID))
            #expect(preview.organizations.map(\.kind) == converted.organizations.map(\.kind))
            #expect(preview.sharedOrganizations == converted.sharedOrganizations)
            let shop1Account = try #require(converted.account)
            #expect(shop1Account.id > 0 && shop1Account.servingDealer?.dealerAccountID == center.accountID)
            #expect(converted.registers.map(\.registerID) == shop1Registers.map(\.id).sorted())

            // A retry answers the same; a retry with another password is another operation.
            let retry = try await convert(shop1, login: "shop1-admin", operationID: operation2, copy: true)
            #expect(retry.replayed && retry.account?.id == shop1Account.id && retry.transferID == converted.transferID)
            try await Workflow.expectRefusal(.failedPrecondition, .operationIDReused) {
                _ = try await convert(shop1, login: "shop1-admin", operationID: operation2, copy: true, password: "another password")
            }

            // The new client's admin logs in and finds its organizations, registers and their history.
            let admin = try await net.login("shop1-admin", Workflow.password)
            let organizations = try await net.call(Registers.listOrganizations, .init(), token: admin).organizations
            #expect(Set(organizations.map(\.inn)) == [Setup.sberbankINN, Setup.yandexINN])
            #expect(organizations.first { $0.inn == Setup.sberbankINN }?.id == bakery.id)  // moved, same id
            #expect(organizations.first { $0.inn == Setup.yandexINN }?.id != chain.id)  // copied
            #expect(organizations.first { $0.inn == Setup.sberbankINN }?.kpp == "773601001")
            let groups = try await net.call(Registers.listGroups, .init(), token: admin).groups
            #expect(groups.map(\.name) == ["Shop 1"] && groups.first?.registerCount == 5)
            let theirs = try await Setup.registers(net, admin)
            #expect(theirs.map(\.id) == shop1Registers.map(\.id).sorted())
            #expect(theirs.map(\.serialNumber) == shop1Registers.sorted { $0.id < $1.id }.map(\.serialNumber))
            for register in theirs {
                let history = try await Setup.history(net, admin, register.id)
                #expect(history.map(\.kind) == [.added, .transferred])
                #expect(history[1].fromAccountID == center.accountID && history[1].toAccountID == shop1Account.id)
                #expect(history[1].operationID == operation2.lowercased())
            }
            let audit = try await net.call(Client.listAuditEvents, .init(), token: admin).events
            #expect(audit.contains { $0.object == "transfer:\(converted.transferID)" })

            // The other groups follow; Chain LLC now lies wholly in Shop 2 and moves with it.
            let shop2Converted = try await convert(shop2, login: "shop2-admin", operationID: Setup.operationID(), copy: false)
            #expect(shop2Converted.organizations.map(\.kind) == [.moved] && shop2Converted.organizations.first?.targetOrganizationID == chain.id)
            #expect(shop2Converted.registers.map(\.registerID) == shop2Registers.map(\.id))
            let marketConverted = try await convert(market, login: "market-admin", operationID: Setup.operationID(), copy: false)
            #expect(marketConverted.registers.map(\.registerID) == marketRegisters.map(\.id))

            // Nothing is left in the service center; it serves three new clients; every operation is listed.
            #expect(try await Setup.registers(net, center.token).isEmpty)
            #expect(try await net.call(Registers.listGroups, .init(), token: center.token).groups.isEmpty)
            #expect(try await net.call(Registers.listOrganizations, .init(), token: center.token).organizations.isEmpty)
            let clients = try await net.call(Dealer.listClients, .init(), token: center.token).clients
            #expect(clients.map(\.name) == ["Shop 1 Ltd", "Shop 2 Ltd", "Market Ltd"])
            let transfers = try await net.call(Dealer.listTransfers, .init(), token: center.token).transfers
            #expect(transfers.map(\.kind) == [.convertGroup, .convertGroup, .convertGroup])
            #expect(transfers.map(\.registerCount) == [2, 2, 5])
            #expect(transfers.last?.organizationsMoved == 1 && transfers.last?.organizationsCopied == 1)
            #expect(transfers.last?.sourceGroupID == shop1.id)
            // A converted client can be served and left like any other: it cannot be deleted while it holds registers.
            try await Workflow.expectRefusal(.failedPrecondition, .accountHasRegisters) {
                _ = try await net.call(Dealer.deleteClient, .init(accountID: shop1Account.id), token: center.token)
            }
            try Workflow.expectNoViolations(server)
            await net.close()
        }
    }
}
