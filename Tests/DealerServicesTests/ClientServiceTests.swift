import DealerClient
import DealerProtocol
import DealerServices
import DealerTestSupport
import Testing

@Suite("Client service")
struct ClientServiceTests {
    typealias Auth = Auth_V1_AuthService
    typealias Dealer = Dealer_V1_DealerService
    typealias Client = Client_V1_ClientService

    /// A server with a dealer and an unserved client, handed to `body`.
    func withClient(
        services: (inout ServicesConfiguration) -> Void = { _ in },
        _ body: (TestServer, DealerConnection, _ dealer: TestAccount, _ client: TestAccount) async throws -> Void
    ) async throws {
        try await withServicesTestServer(services: services) { server in
            let net = try await server.connect()
            let dealer = try await Workflow.dealer(net, name: "Northwind Service", login: "dealer")
            let client = try await Workflow.client(net, name: "Client", login: "client")
            try await body(server, net, dealer, client)
            try Workflow.expectNoViolations(server)
            await net.close()
        }
    }

    @Test("FindDealers searches live dealers by name, case-insensitively, in pages")
    func findDealers() async throws {
        try await withClient { _, net, dealer, client in
            let second = try await Workflow.dealer(net, name: "Southwind SERVICE", login: "dealer2")
            let gone = try await Workflow.dealer(net, name: "Gone Service", login: "dealer3")
            _ = try await net.call(Auth.setUserRights, .init(userID: gone.adminUserID, rights: [.admin]), token: gone.token)
            let all = try await net.call(Client.findDealers, .init(nameQuery: "service"), token: client.token)
            #expect(all.dealers.map(\.accountID) == [dealer.accountID, second.accountID])
            #expect(all.dealers.first?.name == "Northwind Service")
            let south = try await net.call(Client.findDealers, .init(nameQuery: "SOUTH"), token: client.token)
            #expect(south.dealers.map(\.accountID) == [second.accountID])
            let first = try await net.call(Client.findDealers, .init(pageSize: 1), token: client.token)
            let next = try await net.call(
                Client.findDealers, .init(pageSize: 1, pageToken: first.nextPageToken), token: client.token)
            #expect(first.dealers.map(\.accountID) + next.dealers.map(\.accountID) == [dealer.accountID, second.accountID])
            #expect(next.nextPageToken.isEmpty)
        }
    }

    @Test("SubmitRequest: several dealers at once, no duplicates, no self-service, no non-dealer target")
    func submitRules() async throws {
        try await withClient { _, net, dealer, client in
            let other = try await Workflow.dealer(net, name: "Other", login: "other")
            let request = try await Workflow.submit(net, client, to: dealer, message: "hello")
            #expect(request.clientAccountID == client.accountID && request.dealerAccountName == "Northwind Service")
            #expect(request.message == "hello" && request.status == .pending)
            let toOther = try await Workflow.submit(net, client, to: other)
            try await Workflow.expectRefusal(.alreadyExists, .duplicateRequest) {
                try await Workflow.submit(net, client, to: dealer)
            }
            try await Workflow.expectRefusal(.failedPrecondition, .dealerCannotBeServed) {
                try await Workflow.submit(net, dealer, to: other)
            }
            let plain = try await Workflow.client(net, name: "Plain", login: "plain")
            try await Workflow.expectRefusal(.notFound, .dealerNotFound) {
                try await Workflow.submit(net, client, to: plain)
            }
            try await Workflow.expectRefusal(.invalidArgument, .invalidArgument) {
                try await Workflow.submit(net, client, to: dealer, message: String(repeating: "m", count: 2001))
            }
            try await Workflow.accept(net, other, toOther.id)
            try await Workflow.expectRefusal(.failedPrecondition, .accountServedByDealer) {
                try await Workflow.submit(net, client, to: dealer)
            }
            let mine = try await net.call(Client.listMyRequests, .init(), token: client.token).requests
            #expect(mine.map(\.status) == [.accepted, .closed])
        }
    }

    @Test("CancelRequest: only this account's pending requests")
    func cancel() async throws {
        try await withClient { _, net, dealer, client in
            let neighbour = try await Workflow.client(net, name: "Neighbour", login: "neighbour")
            let theirs = try await Workflow.submit(net, neighbour, to: dealer)
            try await Workflow.expectRefusal(.notFound, .requestNotFound) {
                _ = try await net.call(Client.cancelRequest, .init(requestID: theirs.id), token: client.token)
            }
            let mine = try await Workflow.submit(net, client, to: dealer)
            let clerk = try await Workflow.plainUser(net, in: client, login: "clerk")
            let cancelled = try await net.call(Client.cancelRequest, .init(requestID: mine.id), token: clerk)
            #expect(cancelled.request?.status == .cancelled)
            try await Workflow.expectRefusal(.failedPrecondition, .requestNotPending) {
                _ = try await net.call(Client.cancelRequest, .init(requestID: mine.id), token: client.token)
            }
            let pending = try await net.call(Dealer.listIncomingRequests, .init(statusFilter: .pending), token: dealer.token)
            #expect(pending.requests.map(\.id) == [theirs.id])
        }
    }

    @Test("GetServiceStatus and Disconnect: the service ends, the client may ask again")
    func disconnect() async throws {
        try await withClient { _, net, dealer, client in
            #expect(try await net.call(Client.getServiceStatus, .init(), token: client.token).dealer == nil)
            try await Workflow.expectRefusal(.failedPrecondition, .notServed) {
                _ = try await net.call(Client.disconnect, .init(), token: client.token)
            }
            try await Workflow.serve(net, client, by: dealer)
            let status = try await net.call(Client.getServiceStatus, .init(), token: client.token).dealer
            #expect(status?.dealerAccountID == dealer.accountID && status?.dealerName == "Northwind Service")
            let former = try await net.call(Client.disconnect, .init(), token: client.token).formerDealer
            #expect(former == status)
            #expect(try await net.call(Client.getServiceStatus, .init(), token: client.token).dealer == nil)
            #expect(try await net.call(Dealer.listClients, .init(), token: dealer.token).clients.isEmpty)
            try await Workflow.serve(net, client, by: dealer)
        }
    }

    @Test("ListAuditEvents: admins only, newest first, paged, this account's trail only, foreign page tokens refused")
    func auditTrail() async throws {
        try await withClient { _, net, dealer, client in
            let request = try await Workflow.submit(net, client, to: dealer)
            _ = try await net.call(Client.cancelRequest, .init(requestID: request.id), token: client.token)
            let clerk = try await Workflow.plainUser(net, in: client, login: "clerk")
            try await Workflow.expectRefusal(.permissionDenied, .adminRequired) {
                _ = try await net.call(Client.listAuditEvents, .init(), token: clerk)
            }
            var events: [Common_V1_AuditEvent] = []
            var token = ""
            repeat {
                let page = try await net.call(Client.listAuditEvents, .init(pageSize: 2, pageToken: token), token: client.token)
                events += page.events
                token = page.nextPageToken
            } while !token.isEmpty
            #expect(events.map(\.id) == events.map(\.id).sorted(by: >))
            #expect(events.allSatisfy { $0.actingForAccountID == client.accountID })
            // types.proto: "OK" or the failure's reason, exactly.
            #expect(events.allSatisfy { $0.result == "OK" }, "\(events.map(\.result))")
            let cancel = try #require(events.first { $0.method == Client.cancelRequest.path })
            let submit = try #require(events.first { $0.method == Client.submitRequest.path })
            #expect(cancel.id > submit.id)
            #expect(cancel.object == "request:\(request.id)" && cancel.actorLogin == "client" && cancel.result == "OK")
            let dealerTrail = try await net.call(Client.listAuditEvents, .init(pageSize: 500), token: dealer.token).events
            #expect(!dealerTrail.contains { $0.method == Client.cancelRequest.path })
            // A page token from another account's trail is not one this list returned.
            let foreign = try #require(dealerTrail.first).id
            try await Workflow.expectRefusal(.invalidArgument, .invalidPageToken) {
                _ = try await net.call(Client.listAuditEvents, .init(pageToken: String(foreign)), token: client.token)
            }
        }
    }

    @Test("a pending request expires after the configured time and shows as expired")
    func expiry() async throws {
        try await withClient(services: { $0.requestLifetimeMs = 60_000 }) { server, net, dealer, client in
            let request = try await Workflow.submit(net, client, to: dealer)
            #expect(request.expiresAtMs == request.createdAtMs + 60_000)
            server.clock.advance(milliseconds: 60_000)
            let mine = try await net.call(Client.listMyRequests, .init(statusFilter: .expired), token: client.token)
            #expect(mine.requests.map(\.id) == [request.id])
            try await Workflow.expectRefusal(.failedPrecondition, .requestNotPending) {
                try await Workflow.accept(net, dealer, request.id)
            }
            let incoming = try await net.call(Dealer.listIncomingRequests, .init(), token: dealer.token)
            #expect(incoming.requests.map(\.status) == [.expired])
            #expect(try await Workflow.submit(net, client, to: dealer).status == .pending)
        }
    }
}
