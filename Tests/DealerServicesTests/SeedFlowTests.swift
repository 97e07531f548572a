import DealerClient
import DealerProtocol
import DealerServices
import DealerTestSupport
import Testing

@Suite("Seed flow over the real protocol")
struct SeedFlowTests {
    typealias Auth = Auth_V1_AuthService
    typealias Dealer = Dealer_V1_DealerService
    typealias Client = Client_V1_ClientService

    @Test("a company becomes a dealer and serves a client from request to disconnect")
    func wholeFlow() async throws {
        try await withServicesTestServer { server in
            let net = try await server.connect()
            let password = Workflow.password

            // The company sets the dealer right; it works as a dealer only after logging in again.
            let center = try await net.signUpAndLogin(name: "Service Center", login: "sc-admin", password: password)
            try await Workflow.expectRefusal(.permissionDenied, .dealerModeRequired) {
                _ = try await net.call(Dealer.listClients, .init(), token: center.token)
            }
            let granted = try await net.call(
                Auth.setUserRights, .init(userID: center.adminUserID, rights: [.admin, .dealer]), token: center.token)
            #expect(granted.revokedSessions >= 1)
            try await Workflow.expectRefusal(.unauthenticated) {
                _ = try await net.call(Auth.whoAmI, .init(), token: center.token)
            }
            let dealerToken = try await net.login("sc-admin", password)
            #expect(try await net.call(Auth.whoAmI, .init(), token: dealerToken).session?.dealerMode == true)
            let dealer = TestAccount(
                accountID: center.accountID, adminUserID: center.adminUserID, login: "sc-admin", password: password,
                token: dealerToken)

            // A client finds it, submits, cancels, resubmits.
            let acme = try await Workflow.client(net, name: "Acme", login: "acme-admin")
            let found = try await net.call(Client.findDealers, .init(nameQuery: "center"), token: acme.token)
            #expect(found.dealers.map(\.accountID) == [dealer.accountID])
            let first = try await Workflow.submit(net, acme, to: dealer, message: "first")
            #expect(first.status == .pending)
            #expect(first.expiresAtMs == first.createdAtMs + ServicesConfiguration().requestLifetimeMs)
            let cancelled = try await net.call(Client.cancelRequest, .init(requestID: first.id), token: acme.token)
            #expect(cancelled.request?.status == .cancelled)
            let second = try await Workflow.submit(net, acme, to: dealer, message: "second")

            // The dealer sees it, rejects it with a reason, blocks, unblocks.
            let pending = try await net.call(Dealer.listIncomingRequests, .init(statusFilter: .pending), token: dealer.token)
            #expect(pending.requests.map(\.id) == [second.id])
            #expect(pending.requests.first?.clientAccountName == "Acme")
            let rejected = try await net.call(Dealer.rejectRequest, .init(requestID: second.id, reason: "not now"), token: dealer.token)
            #expect(rejected.request?.status == .rejected)
            let mine = try await net.call(Client.listMyRequests, .init(), token: acme.token)
            #expect(mine.requests.map(\.id) == [second.id, first.id])
            #expect(mine.requests.first?.rejectReason == "not now")
            let blocked = try await net.call(Dealer.setRequestBlocked, .init(requestID: second.id, blocked: true), token: dealer.token)
            #expect(blocked.request?.blocked == true)
            try await Workflow.expectRefusal(.permissionDenied, .requestsBlocked) {
                try await Workflow.submit(net, acme, to: dealer)
            }
            _ = try await net.call(Dealer.setRequestBlocked, .init(requestID: second.id, blocked: false), token: dealer.token)

            // Resubmitted and accepted: the client is served.
            let third = try await Workflow.submit(net, acme, to: dealer, message: "third")
            server.clock.advance(milliseconds: 5_000)
            let accepted = try await Workflow.accept(net, dealer, third.id)
            #expect(accepted.status == .accepted)
            let status = try await net.call(Client.getServiceStatus, .init(), token: acme.token)
            #expect(status.dealer?.dealerAccountID == dealer.accountID)
            #expect(status.dealer?.dealerName == "Service Center")
            #expect(status.dealer?.sinceMs == accepted.updatedAtMs)
            let clients = try await net.call(Dealer.listClients, .init(), token: dealer.token)
            #expect(clients.clients.map(\.accountID) == [acme.accountID])
            #expect(clients.clients.first?.servedSinceMs == accepted.updatedAtMs)
            let incoming = try await net.call(Dealer.listIncomingRequests, .init(), token: dealer.token)
            #expect(incoming.requests.map(\.status) == [.accepted, .rejected, .cancelled])

            // The dealer logs in to the client and acts there, with admin rights and never dealer rights.
            let login = try await net.call(Dealer.loginToClient, .init(accountID: acme.accountID), token: dealer.token)
            let session = try #require(login.session)
            #expect(session.accountID == acme.accountID)
            #expect(session.rights == [.admin])
            #expect(session.dealerMode == false)
            #expect(session.impersonator?.dealerLogin == "sc-admin")
            #expect(session.expiresAtMs - session.createdAtMs == ServicesConfiguration().impersonationLifetimeMs)
            // It may look at the client's users, but not create, change or delete them.
            try await Workflow.expectRefusal(.permissionDenied, .notAllowedWhileImpersonating) {
                _ = try await net.call(
                    Auth.createUser, .init(login: "acme-clerk", password: password, rights: []), token: login.token)
            }
            _ = try await net.call(Auth.listUsers, .init(), token: login.token)
            try await Workflow.expectRefusal(.permissionDenied, .notAllowedWhileImpersonating) {
                _ = try await net.call(Client.submitRequest, .init(dealerAccountID: dealer.accountID), token: login.token)
            }
            try await Workflow.expectRefusal(.permissionDenied, .dealerModeRequired) {
                _ = try await net.call(Dealer.listClients, .init(), token: login.token)
            }

            // The client sees what the dealer did, with the dealer named.
            let trail = try await net.call(Client.listAuditEvents, .init(), token: acme.token).events
            let byDealer = trail.filter { $0.impersonator != nil }
            #expect(Set(byDealer.map(\.method)).isSuperset(of: [
                Dealer.loginToClient.path, Auth.createUser.path, Auth.listUsers.path, Client.submitRequest.path,
                Dealer.listClients.path,
            ]))
            for event in byDealer {
                #expect(event.impersonator?.dealerAccountID == dealer.accountID)
                #expect(event.impersonator?.dealerAccountName == "Service Center")
                #expect(event.impersonator?.dealerLogin == "sc-admin")
                #expect(event.actingForAccountID == acme.accountID)
            }
            #expect(byDealer.first { $0.method == Client.submitRequest.path }?.result == "NOT_ALLOWED_WHILE_IMPERSONATING")
            #expect(byDealer.first { $0.method == Auth.createUser.path }?.result == "NOT_ALLOWED_WHILE_IMPERSONATING")
            #expect(byDealer.first { $0.method == Auth.listUsers.path }?.result == "OK")

            // "Add" a client, then delete it: its sessions die, logins fail, its history stays.
            let created = try await net.call(
                Dealer.createClient, .init(accountName: "New Co", adminLogin: "newco-admin", adminPassword: password),
                token: dealer.token)
            let newco = try #require(created.account)
            #expect(newco.servingDealer?.dealerAccountID == dealer.accountID)
            let newcoToken = try await net.login("newco-admin", password)
            #expect(try await net.call(Client.getServiceStatus, .init(), token: newcoToken).dealer?.dealerAccountID == dealer.accountID)
            let intoNewco = try await net.call(Dealer.loginToClient, .init(accountID: newco.id), token: dealer.token).token
            _ = try await net.call(Dealer.deleteClient, .init(accountID: newco.id), token: dealer.token)
            for token in [newcoToken, intoNewco] {
                try await Workflow.expectRefusal(.unauthenticated, .sessionInvalid) {
                    _ = try await net.call(Auth.whoAmI, .init(), token: token)
                }
            }
            try await Workflow.expectRefusal(.unauthenticated, .accountDeleted) {
                _ = try await net.login("newco-admin", password)
            }
            try await Workflow.expectRefusal(.notFound, .clientNotFound) {
                _ = try await net.call(Dealer.deleteClient, .init(accountID: newco.id), token: dealer.token)
            }
            let kept = try #require(try server.store.credentials(forLogin: "newco-admin"))
            #expect(kept.account.isDeleted && kept.account.id == newco.id)
            #expect(try server.store.listAuditEvents(accountID: newco.id, cursor: nil, limit: 50).items.isEmpty == false)
            #expect(try await net.call(Dealer.listClients, .init(), token: dealer.token).clients.map(\.accountID) == [acme.accountID])

            // The client disconnects: the dealer's session in it dies at once.
            let disconnected = try await net.call(Client.disconnect, .init(), token: acme.token)
            #expect(disconnected.formerDealer?.dealerAccountID == dealer.accountID)
            try await Workflow.expectRefusal(.unauthenticated, .sessionInvalid) {
                _ = try await net.call(Auth.whoAmI, .init(), token: login.token)
            }
            #expect(try await net.call(Client.getServiceStatus, .init(), token: acme.token).dealer == nil)
            #expect(try await net.call(Dealer.listClients, .init(), token: dealer.token).clients.isEmpty)
            try Workflow.expectNoViolations(server)
            await net.close()
        }
    }

    @Test("migration: a service center with one account per client takes them all on service")
    func migration() async throws {
        try await withServicesTestServer { server in
            let net = try await server.connect()
            let names = ["Old Client 1", "Old Client 2", "Old Client 3"]
            var olds: [TestAccount] = []
            for (index, name) in names.enumerated() {
                olds.append(try await Workflow.client(net, name: name, login: "old-\(index)"))
            }
            let center = try await Workflow.dealer(net, name: "Migrating Center", login: "center")

            // The center logs in to each old account with the credentials it kept and asks itself for service.
            var requests: [Int64] = []
            for (index, _) in olds.enumerated() {
                let token = try await net.login("old-\(index)", Workflow.password)
                let request = try await net.call(
                    Client.submitRequest, .init(dealerAccountID: center.accountID, message: "migration"), token: token)
                requests.append(request.request!.id)
            }
            let incoming = try await net.call(Dealer.listIncomingRequests, .init(statusFilter: .pending), token: center.token)
            #expect(Set(incoming.requests.map(\.id)) == Set(requests))
            for id in requests {
                #expect(try await Workflow.accept(net, center, id).status == .accepted)
            }
            let clients = try await net.call(Dealer.listClients, .init(), token: center.token)
            #expect(clients.clients.map(\.name) == names)
            for old in olds {
                #expect(try await net.call(Client.getServiceStatus, .init(), token: old.token).dealer?.dealerAccountID == center.accountID)
            }
            try Workflow.expectNoViolations(server)
            await net.close()
        }
    }
}
