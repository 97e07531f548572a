import DealerClient
import DealerProtocol
import DealerStore
import DealerTestSupport
import Testing

/// Conflicting calls from two connections at once, many times over one server with fresh
/// accounts each round: exactly one side wins and the database stays consistent.
@Suite("Races between concurrent clients")
struct RaceTests {
    typealias Auth = Auth_V1_AuthService
    typealias Client = Client_V1_ClientService

    static let rounds = 200

    /// One server, a setup connection, two racing connections and a dealer.
    struct Arena {
        let server: TestServer
        let setup: DealerConnection
        let left: DealerConnection
        let right: DealerConnection
        let dealer: TestAccount

        /// Runs `body` in a fresh arena; the server is shut down on every path.
        static func with(_ body: (Arena) async throws -> Void) async throws {
            try await withServicesTestServer { server in
                let setup = try await server.connect(name: "setup")
                let dealer = try await Workflow.dealer(setup, name: "Racing Dealer", login: "racing-dealer")
                let arena = Arena(
                    server: server, setup: setup, left: try await server.connect(name: "left"),
                    right: try await server.connect(name: "right"), dealer: dealer)
                do {
                    try await body(arena)
                } catch {
                    await arena.closeConnections()
                    throw error
                }
                await arena.closeConnections()
            }
        }

        /// Runs both calls at once and returns their outcomes in order.
        func race(
            _ first: @escaping @Sendable () async throws -> Void, _ second: @escaping @Sendable () async throws -> Void
        ) async throws -> [CallOutcome] {
            async let a = CallOutcome.of(first)
            async let b = CallOutcome.of(second)
            return try await [a, b]
        }

        /// Exactly one OK; the other a failed precondition with one of `reasons`.
        func expectOneWinner(
            _ outcomes: [CallOutcome], losingWith reasons: Set<RPCError.Reason>, round: Int,
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws {
            #expect(outcomes.filter { $0 == .ok }.count == 1, "round \(round): \(outcomes)", sourceLocation: sourceLocation)
            let loser = outcomes.first { $0 != .ok }
            #expect(loser?.code == .failedPrecondition, "round \(round): \(outcomes)", sourceLocation: sourceLocation)
            #expect(loser?.reason.map(reasons.contains) == true, "round \(round): \(outcomes)", sourceLocation: sourceLocation)
            try Workflow.expectNoViolations(server, sourceLocation: sourceLocation)
        }

        func account(login: String) throws -> AccountRecord {
            try #require(try server.store.credentials(forLogin: login)).account
        }

        /// How many AcceptRequest calls the dealer's audit trail records as done.
        func acceptedInTrail() throws -> Int {
            var count = 0
            var cursor: Int64? = nil
            repeat {
                let page = try server.store.listAuditEvents(accountID: dealer.accountID, cursor: cursor, limit: 500)
                count += page.items.filter { $0.method == Dealer_V1_DealerService.acceptRequest.path && $0.result == "OK" }.count
                cursor = page.nextCursor
            } while cursor != nil
            return count
        }

        private func closeConnections() async {
            for connection in [setup, left, right] { await connection.close() }
        }
    }

    @Test("two dealers accept requests of the same client at once: exactly one wins")
    func twoDealersAccept() async throws {
        try await Arena.with { arena in
            let other = try await Workflow.dealer(arena.setup, name: "Other Dealer", login: "other-dealer")
            let (left, right, dealer) = (arena.left, arena.right, arena.dealer)
            var wins = [0, 0]
            for round in 0..<Self.rounds {
                let login = "two-\(round)"
                let client = try await Workflow.client(arena.setup, name: "Client \(round)", login: login)
                let toFirst = try await Workflow.submit(arena.setup, client, to: dealer)
                let toSecond = try await Workflow.submit(arena.setup, client, to: other)
                let outcomes = try await arena.race(
                    { try await Workflow.accept(left, dealer, toFirst.id) },
                    { try await Workflow.accept(right, other, toSecond.id) })
                try arena.expectOneWinner(outcomes, losingWith: [.requestNotPending, .accountServedByDealer], round: round)
                let winner = outcomes[0] == .ok ? 0 : 1
                wins[winner] += 1
                #expect(try arena.account(login: login).servedByAccountID == [dealer, other][winner].accountID)
            }
            #expect(wins[0] + wins[1] == Self.rounds)
            #expect(try arena.acceptedInTrail() == wins[0])
        }
    }

    @Test("a client is accepted while its admin grants the dealer right: exactly one succeeds")
    func acceptVersusDealerRight() async throws {
        try await Arena.with { arena in
            let (left, right, dealer) = (arena.left, arena.right, arena.dealer)
            var accepted = 0
            for round in 0..<Self.rounds {
                let login = "grant-\(round)"
                let client = try await Workflow.client(arena.setup, name: "Client \(round)", login: login)
                let request = try await Workflow.submit(arena.setup, client, to: dealer)
                let outcomes = try await arena.race(
                    { try await Workflow.accept(left, dealer, request.id) },
                    {
                        _ = try await right.call(
                            Auth.setUserRights, .init(userID: client.adminUserID, rights: [.admin, .dealer]), token: client.token)
                    })
                try arena.expectOneWinner(outcomes, losingWith: [.dealerCannotBeServed, .accountServedByDealer], round: round)
                let account = try arena.account(login: login)
                #expect(account.isDealer == (outcomes[1] == .ok))
                #expect((account.servedByAccountID == dealer.accountID) == (outcomes[0] == .ok))
                if outcomes[0] == .ok { accepted += 1 }
            }
            #expect(try arena.acceptedInTrail() == accepted)
        }
    }

    @Test("accept and cancel of the same request at once: exactly one takes effect")
    func acceptVersusCancel() async throws {
        try await Arena.with { arena in
            let (left, right, dealer) = (arena.left, arena.right, arena.dealer)
            var accepted = 0
            for round in 0..<Self.rounds {
                let login = "cancel-\(round)"
                let client = try await Workflow.client(arena.setup, name: "Client \(round)", login: login)
                let request = try await Workflow.submit(arena.setup, client, to: dealer)
                let outcomes = try await arena.race(
                    { try await Workflow.accept(left, dealer, request.id) },
                    { _ = try await right.call(Client.cancelRequest, .init(requestID: request.id), token: client.token) })
                try arena.expectOneWinner(outcomes, losingWith: [.requestNotPending], round: round)
                let status = try await arena.setup.call(Client.listMyRequests, .init(), token: client.token).requests.first?.status
                #expect(status == (outcomes[0] == .ok ? .accepted : .cancelled))
                #expect((try arena.account(login: login).servedByAccountID != nil) == (outcomes[0] == .ok))
                if outcomes[0] == .ok { accepted += 1 }
            }
            #expect(try arena.acceptedInTrail() == accepted)
        }
    }

    @Test("the same request accepted twice at once: exactly one accept takes effect")
    func doubleAccept() async throws {
        try await Arena.with { arena in
            let (left, right, dealer) = (arena.left, arena.right, arena.dealer)
            // A second session of the dealer, as from another desk.
            let desk = TestAccount(
                accountID: dealer.accountID, adminUserID: dealer.adminUserID, login: dealer.login, password: dealer.password,
                token: try await arena.setup.login(dealer.login, dealer.password))
            for round in 0..<Self.rounds {
                let client = try await Workflow.client(arena.setup, name: "Client \(round)", login: "double-\(round)")
                let request = try await Workflow.submit(arena.setup, client, to: dealer)
                let outcomes = try await arena.race(
                    { try await Workflow.accept(left, dealer, request.id) },
                    { try await Workflow.accept(right, desk, request.id) })
                try arena.expectOneWinner(outcomes, losingWith: [.requestNotPending], round: round)
            }
            #expect(try arena.acceptedInTrail() == Self.rounds)
            let clients = try await arena.setup.call(Dealer_V1_DealerService.listClients, .init(pageSize: 500), token: dealer.token)
            #expect(clients.clients.count == Self.rounds)
        }
    }
}
