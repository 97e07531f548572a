import DealerClient
import DealerProtocol
import DealerServices
import DealerTestSupport
import Testing

@Suite("Dealer service")
struct DealerServiceTests {
    typealias Auth = Auth_V1_AuthService
    typealias Dealer = Dealer_V1_DealerService
    typealias Client = Client_V1_ClientService

    /// A server with one dealer, handed to `body`.
    func withDealer(
        services: (inout ServicesConfiguration) -> Void = { _ in },
        _ body: (TestServer, DealerConnection, TestAccount) async throws -> Void
    ) async throws {
        try await withServicesTestServer(services: services) { server in
            let net = try await server.connect()
            let dealer = try await Workflow.dealer(net, name: "Dealer", login: "dealer")
            try await body(server, net, dealer)
            try Workflow.expectNoViolations(server)
            await net.close()
        }
    }

    @Test("ListIncomingRequests: newest first, filtered by status, paged, only this dealer's")
    func listIncoming() async throws {
        try await withDealer { _, net, dealer in
            let other = try await Workflow.dealer(net, name: "Other", login: "other")
            var ids: [Int64] = []
            for index in 0..<5 {
                let client = try await Workflow.client(net, name: "C\(index)", login: "client-\(index)")
                ids.append(try await Workflow.submit(net, client, to: dealer).id)
                try await Workflow.submit(net, client, to: other)
            }
            try await Workflow.accept(net, dealer, ids[1])
            var seen: [Int64] = []
            var token = ""
            repeat {
                let page = try await net.call(
                    Dealer.listIncomingRequests, .init(pageSize: 2, pageToken: token), token: dealer.token)
                #expect(page.requests.count <= 2)
                seen += page.requests.map(\.id)
                token = page.nextPageToken
            } while !token.isEmpty
            #expect(seen == ids.reversed())
            let pending = try await net.call(Dealer.listIncomingRequests, .init(statusFilter: .pending), token: dealer.token)
            #expect(pending.requests.map(\.id) == [ids[4], ids[3], ids[2], ids[0]])
            let accepted = try await net.call(Dealer.listIncomingRequests, .init(statusFilter: .accepted), token: dealer.token)
            #expect(accepted.requests.map(\.id) == [ids[1]])
            try await Workflow.expectRefusal(.invalidArgument, .invalidPageToken) {
                _ = try await net.call(Dealer.listIncomingRequests, .init(pageToken: "x"), token: dealer.token)
            }
        }
    }

    @Test("AcceptRequest closes the client's pending requests to other dealers; the first accept wins")
    func acceptClosesOthers() async throws {
        try await withDealer { _, net, dealer in
            let other = try await Workflow.dealer(net, name: "Other", login: "other")
            let client = try await Workflow.client(net, name: "Client", login: "client")
            let mine = try await Workflow.submit(net, client, to: dealer)
            let theirs = try await Workflow.submit(net, client, to: other)
            #expect(try await Workflow.accept(net, dealer, mine.id).status == .accepted)
            let closed = try await net.call(Dealer.listIncomingRequests, .init(), token: other.token).requests
            #expect(closed.map(\.status) == [.closed])
            try await Workflow.expectRefusal(.failedPrecondition, .requestNotPending) {
                try await Workflow.accept(net, other, theirs.id)
            }
            try await Workflow.expectRefusal(.failedPrecondition, .requestNotPending) {
                try await Workflow.accept(net, dealer, mine.id)
            }
            try await Workflow.expectRefusal(.invalidArgument, .invalidArgument) {
                try await Workflow.accept(net, dealer, 0)
            }
        }
    }

    @Test("a client that became a dealer cannot be accepted")
    func acceptDealer() async throws {
        try await withDealer { _, net, dealer in
            let client = try await Workflow.client(net, name: "Client", login: "client")
            let request = try await Workflow.submit(net, client, to: dealer)
            _ = try await net.call(
                Auth.setUserRights, .init(userID: client.adminUserID, rights: [.admin, .dealer]), token: client.token)
            try await Workflow.expectRefusal(.failedPrecondition, .dealerCannotBeServed) {
                try await Workflow.accept(net, dealer, request.id)
            }
        }
    }

    @Test("RejectRequest keeps an optional reason, refuses a non-pending request and an overlong reason")
    func reject() async throws {
        try await withDealer { _, net, dealer in
            let client = try await Workflow.client(net, name: "Client", login: "client")
            let silent = try await Workflow.submit(net, client, to: dealer)
            let rejected = try await net.call(Dealer.rejectRequest, .init(requestID: silent.id), token: dealer.token).request
            #expect(rejected?.status == .rejected && rejected?.rejectReason == "")
            try await Workflow.expectRefusal(.failedPrecondition, .requestNotPending) {
                _ = try await net.call(Dealer.rejectRequest, .init(requestID: silent.id), token: dealer.token)
            }
            let again = try await Workflow.submit(net, client, to: dealer)
            try await Workflow.expectRefusal(.invalidArgument, .invalidArgument) {
                _ = try await net.call(
                    Dealer.rejectRequest, .init(requestID: again.id, reason: String(repeating: "x", count: 2001)),
                    token: dealer.token)
            }
            let status = try await net.call(Client.listMyRequests, .init(), token: client.token).requests.first?.status
            #expect(status == .pending)
        }
    }

    @Test("a block flag refuses the client's new requests to this dealer only, until cleared")
    func block() async throws {
        try await withDealer { _, net, dealer in
            let other = try await Workflow.dealer(net, name: "Other", login: "other")
            let client = try await Workflow.client(net, name: "Client", login: "client")
            let bystander = try await Workflow.client(net, name: "Bystander", login: "bystander")
            let request = try await Workflow.submit(net, client, to: dealer)
            let blocked = try await net.call(Dealer.setRequestBlocked, .init(requestID: request.id, blocked: true), token: dealer.token)
            #expect(blocked.request?.blocked == true && blocked.request?.status == .pending)
            _ = try await net.call(Client.cancelRequest, .init(requestID: request.id), token: client.token)
            try await Workflow.expectRefusal(.permissionDenied, .requestsBlocked) {
                try await Workflow.submit(net, client, to: dealer)
            }
            try await Workflow.submit(net, client, to: other)
            try await Workflow.submit(net, bystander, to: dealer)
            _ = try await net.call(Dealer.setRequestBlocked, .init(requestID: request.id, blocked: false), token: dealer.token)
            #expect(try await Workflow.submit(net, client, to: dealer).status == .pending)
        }
    }

    @Test("ListClients pages through served, live accounts")
    func listClients() async throws {
        try await withDealer { _, net, dealer in
            var ids: [Int64] = []
            for index in 0..<3 {
                let created = try await net.call(
                    Dealer.createClient,
                    .init(accountName: "Added \(index)", adminLogin: "added-\(index)", adminPassword: Workflow.password),
                    token: dealer.token)
                ids.append(created.account!.id)
            }
            _ = try await net.call(Dealer.deleteClient, .init(accountID: ids[1]), token: dealer.token)
            let first = try await net.call(Dealer.listClients, .init(pageSize: 1), token: dealer.token)
            let second = try await net.call(
                Dealer.listClients, .init(pageSize: 1, pageToken: first.nextPageToken), token: dealer.token)
            #expect(first.clients.map(\.accountID) == [ids[0]])
            #expect(second.clients.map(\.accountID) == [ids[2]])
            #expect(second.clients.first?.name == "Added 2")
            #expect(second.nextPageToken.isEmpty)
        }
    }

    @Test("CreateClient validates its input and refuses a taken login")
    func createClientValidation() async throws {
        try await withDealer { _, net, dealer in
            let cases: [(Dealer_V1_CreateClientRequest, RPCError.Reason)] = [
                (.init(accountName: " ", adminLogin: "fine-login", adminPassword: Workflow.password), .invalidAccountName),
                (.init(accountName: "Name", adminLogin: "no spaces", adminPassword: Workflow.password), .invalidLogin),
                (.init(accountName: "Name", adminLogin: "fine-login", adminPassword: "short"), .invalidPassword),
            ]
            for (request, reason) in cases {
                try await Workflow.expectRefusal(.invalidArgument, reason) {
                    _ = try await net.call(Dealer.createClient, request, token: dealer.token)
                }
            }
            try await Workflow.expectRefusal(.alreadyExists, .loginTaken) {
                _ = try await net.call(
                    Dealer.createClient, .init(accountName: "Name", adminLogin: "DEALER", adminPassword: Workflow.password),
                    token: dealer.token)
            }
        }
    }

    @Test("a LoginToClient session ends after its absolute lifetime")
    func impersonationLifetime() async throws {
        try await withDealer(services: { $0.impersonationLifetimeMs = 60_000 }) { server, net, dealer in
            let client = try await Workflow.client(net, name: "Client", login: "client")
            try await Workflow.serve(net, client, by: dealer)
            let token = try await Workflow.impersonate(net, dealer, client)
            server.clock.advance(milliseconds: 59_999)
            #expect(try await net.call(Auth.whoAmI, .init(), token: token).session?.accountID == client.accountID)
            server.clock.advance(milliseconds: 1)
            try await Workflow.expectRefusal(.unauthenticated, .sessionInvalid) {
                _ = try await net.call(Auth.whoAmI, .init(), token: token)
            }
            #expect(try await net.call(Auth.whoAmI, .init(), token: dealer.token).session?.dealerMode == true)
        }
    }

    @Test("a LoginToClient session dies when its dealer user loses the dealer right")
    func impersonationDiesWithRight() async throws {
        try await withDealer { _, net, dealer in
            let client = try await Workflow.client(net, name: "Client", login: "client")
            try await Workflow.serve(net, client, by: dealer)
            // A second dealer user, so the account keeps working as a dealer.
            let desk = try await net.call(
                Auth.createUser, .init(login: "desk", password: Workflow.password, rights: [.dealer]), token: dealer.token)
            let deskAccount = TestAccount(
                accountID: dealer.accountID, adminUserID: desk.user!.id, login: "desk", password: Workflow.password,
                token: try await net.login("desk", Workflow.password))
            let deskSession = try await Workflow.impersonate(net, deskAccount, client)
            let adminSession = try await Workflow.impersonate(net, dealer, client)
            _ = try await net.call(Auth.setUserRights, .init(userID: desk.user!.id, rights: []), token: dealer.token)
            try await Workflow.expectRefusal(.unauthenticated, .sessionInvalid) {
                _ = try await net.call(Auth.whoAmI, .init(), token: deskSession)
            }
            #expect(try await net.call(Auth.whoAmI, .init(), token: adminSession).session?.impersonator?.dealerLogin == "dealer")
        }
    }

    @Test("LoginToClient refuses accounts this dealer does not serve, and a session opened with it")
    func loginToClientRefusals() async throws {
        try await withDealer { _, net, dealer in
            let stranger = try await Workflow.client(net, name: "Stranger", login: "stranger")
            let client = try await Workflow.client(net, name: "Client", login: "client")
            try await Workflow.serve(net, client, by: dealer)
            try await Workflow.expectRefusal(.notFound, .clientNotFound) {
                _ = try await Workflow.impersonate(net, dealer, stranger)
            }
            try await Workflow.expectRefusal(.notFound, .clientNotFound) {
                _ = try await Workflow.impersonate(net, dealer, dealer)
            }
            let inside = TestAccount(
                accountID: client.accountID, adminUserID: 0, login: "", password: "",
                token: try await Workflow.impersonate(net, dealer, client))
            try await Workflow.expectRefusal(.permissionDenied, .notAllowedWhileImpersonating) {
                _ = try await Workflow.impersonate(net, inside, client)
            }
            for call in [
                { _ = try await net.call(Client.disconnect, .init(), token: inside.token) },
                {
                    _ = try await net.call(
                        Auth.changePassword, .init(currentPassword: Workflow.password, newPassword: "another password"),
                        token: inside.token)
                },
            ] as [() async throws -> Void] {
                try await Workflow.expectRefusal(.permissionDenied, .notAllowedWhileImpersonating, call)
            }
        }
    }

    @Test("DeleteClient keeps the account, its users and its history; another dealer cannot delete it")
    func deleteClient() async throws {
        try await withDealer { server, net, dealer in
            let other = try await Workflow.dealer(net, name: "Other", login: "other")
            let client = try await Workflow.client(net, name: "Client", login: "client")
            let request = try await Workflow.submit(net, client, to: dealer)
            try await Workflow.accept(net, dealer, request.id)
            try await Workflow.expectRefusal(.notFound, .clientNotFound) {
                _ = try await net.call(Dealer.deleteClient, .init(accountID: client.accountID), token: other.token)
            }
            _ = try await net.call(Dealer.deleteClient, .init(accountID: client.accountID), token: dealer.token)
            try await Workflow.expectRefusal(.unauthenticated, .sessionInvalid) {
                _ = try await net.call(Client.getServiceStatus, .init(), token: client.token)
            }
            let history = try await net.call(Dealer.listIncomingRequests, .init(), token: dealer.token).requests
            #expect(history.map(\.id) == [request.id] && history.first?.status == .accepted)
            let kept = try #require(try server.store.credentials(forLogin: "client"))
            #expect(kept.account.deletedAt != nil && kept.user.accountID == client.accountID)
            let trail = try server.store.listAuditEvents(accountID: client.accountID, cursor: nil, limit: 100).items
            #expect(trail.contains { $0.method == Client.submitRequest.path })
        }
    }
}
