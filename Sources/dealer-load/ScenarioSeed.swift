import DealerClient
import DealerProtocol

/// The accounts and data a scenario runs over, made through the public API:
/// a dealer account (RIGHT_DEALER, one dealer-mode session per connection),
/// `pendingRequests` client accounts with a pending request to it (what
/// `list` pages through), and one client account per slot for the write cycle.
struct ScenarioSeed: Sendable {
    let dealerAccountID: Int64
    /// One dealer-mode session per load connection (WhoAmI, ListIncomingRequests, AcceptRequest).
    let dealerTokens: [String]
    /// Per load connection, per slot: a client session (SubmitRequest, Disconnect); empty without writes.
    let clientTokens: [[String]]

    /// Seeds over `setupConnections` connections to `host:port`. Needs a
    /// dealerd with cheap password hashing (`--password-cost minimal`) to be quick.
    static func make(
        host: String, port: Int, tag: String, connections: Int, slots: Int, pendingRequests: Int, clientPerSlot: Bool,
        setupConnections: Int = 8
    ) async throws -> ScenarioSeed {
        var opened: [DealerConnection] = []
        do {
            for index in 0..<setupConnections {
                opened.append(try await DealerConnection.connect(host: host, port: port, clientName: "dealer-load seed \(index)"))
            }
            let seed = try await make(
                over: opened, tag: tag, connections: connections, slots: slots, pendingRequests: pendingRequests,
                clientPerSlot: clientPerSlot)
            for connection in opened { await connection.close() }
            return seed
        } catch {
            for connection in opened { await connection.close() }
            throw error
        }
    }

    private static func make(
        over opened: [DealerConnection], tag: String, connections: Int, slots: Int, pendingRequests: Int,
        clientPerSlot: Bool
    ) async throws -> ScenarioSeed {
        let setup = opened[0]
        let password = "load password \(tag)"
        let dealerLogin = "ld-\(tag)"
        let dealer = try await setup.call(
            Auth_V1_AuthService.signUp, .init(accountName: "Load Dealer \(tag)", login: dealerLogin, password: password))
        let admin = try await login(setup, dealerLogin, password)
        _ = try await setup.call(
            Auth_V1_AuthService.setUserRights, .init(userID: dealer.user!.id, rights: [.admin, .dealer]), token: admin)
        var dealerTokens: [String] = []
        for _ in 0..<connections { dealerTokens.append(try await login(setup, dealerLogin, password)) }
        let dealerID = dealer.account!.id

        // Clients with a pending request each: the pages `list` reads.
        _ = try await inParallel(opened, count: pendingRequests) { connection, number in
            let token = try await signUpClient(connection, "lp-\(tag)-\(number)", password)
            _ = try await connection.call(
                Client_V1_ClientService.submitRequest, .init(dealerAccountID: dealerID, message: "seeded"), token: token)
            return token
        }
        var clientTokens: [[String]] = []
        if clientPerSlot {
            let tokens = try await inParallel(opened, count: connections * slots) { connection, number in
                try await signUpClient(connection, "lw-\(tag)-\(number)", password)
            }
            clientTokens = (0..<connections).map { Array(tokens[($0 * slots)..<(($0 + 1) * slots)]) }
        }
        return ScenarioSeed(dealerAccountID: dealerID, dealerTokens: dealerTokens, clientTokens: clientTokens)
    }

    private static func login(_ connection: DealerConnection, _ login: String, _ password: String) async throws -> String {
        try await connection.call(Auth_V1_AuthService.login, .init(login: login, password: password)).token
    }

    private static func signUpClient(_ connection: DealerConnection, _ login: String, _ password: String) async throws -> String {
        _ = try await connection.call(
            Auth_V1_AuthService.signUp, .init(accountName: "Load Client \(login)", login: login, password: password))
        return try await Self.login(connection, login, password)
    }

    /// `body(connection, number)` for number in 0..<count, spread over the
    /// connections, one call chain at a time per connection; results by number.
    private static func inParallel(
        _ connections: [DealerConnection], count: Int,
        _ body: @escaping @Sendable (DealerConnection, Int) async throws -> String
    ) async throws -> [String] {
        try await withThrowingTaskGroup(of: [(Int, String)].self) { group in
            for (index, connection) in connections.enumerated() {
                group.addTask {
                    var results: [(Int, String)] = []
                    for number in stride(from: index, to: count, by: connections.count) {
                        results.append((number, try await body(connection, number)))
                    }
                    return results
                }
            }
            var all = [String](repeating: "", count: count)
            for try await results in group { for (number, value) in results { all[number] = value } }
            return all
        }
    }
}
