import ArgumentParser
import DealerClient
import DealerProtocol
import Synchronization

/// `dealer-load dealer-latency`: latency of the dealer's AcceptRequest and
/// ListIncomingRequests under concurrent clients.
struct DealerLatencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dealer-latency",
        abstract: "AcceptRequest and ListIncomingRequests latency (p50/p90/p99, calls/s) at --clients concurrent clients.",
        discussion: """
            Against a running dealerd (start it with --password-cost minimal). Sets up a dealer account with \
            one session per client connection, then --requests client accounts that each submit a request to \
            it (not measured). AcceptRequest: the clients accept those requests, one call at a time each, \
            until none is left. ListIncomingRequests: then, for --duration seconds after --warmup, each client \
            lists the newest --page-size requests (every status) in a loop.
            """
    )

    @Option(help: "Server address.")
    var host = "127.0.0.1"

    @Option(help: "Server port.")
    var port: Int

    @Option(help: "Concurrent clients, each with its own connection and dealer session.")
    var clients = 16

    @Option(help: "Requests prepared and accepted (the AcceptRequest sample).")
    var requests = 3200

    @Option(help: "Measured seconds of ListIncomingRequests.")
    var duration = 10.0

    @Option(help: "Seconds of ListIncomingRequests before measuring.")
    var warmup = 2.0

    @Option(help: "page_size of ListIncomingRequests.")
    var pageSize: UInt32 = 50

    mutating func validate() throws {
        guard clients >= 1, requests >= 1 else { throw ValidationError("--clients and --requests must be >= 1") }
        guard duration > 0, warmup >= 0 else { throw ValidationError("--duration must be > 0, --warmup >= 0") }
    }

    /// Latencies and call counts of one phase.
    struct Sample: Sendable {
        var latency = LatencyHistogram()
        var errors = 0
        var nanoseconds: UInt64 = 0

        mutating func merge(_ other: Sample) {
            latency.merge(other.latency)
            errors += other.errors
        }
    }

    func run() async throws {
        var connections: [DealerConnection] = []
        do {
            for index in 0..<clients {
                connections.append(
                    try await DealerConnection.connect(host: host, port: port, clientName: "dealer-latency-\(index)"))
            }
            try await run(on: connections)
        } catch {
            for connection in connections { await connection.close() }
            throw error
        }
        for connection in connections { await connection.close() }
    }

    private func run(on connections: [DealerConnection]) async throws {
        let tag = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let password = "latency password"
        let setup = connections[0]

        // A dealer, logged in again after the right is set, once per connection.
        let dealer = try await setup.call(
            Auth_V1_AuthService.signUp, .init(accountName: "Latency Dealer \(tag)", login: "lat-\(tag)", password: password))
        let admin = try await Self.login(setup, "lat-\(tag)", password)
        _ = try await setup.call(
            Auth_V1_AuthService.setUserRights, .init(userID: dealer.user!.id, rights: [.admin, .dealer]), token: admin)
        var sessions: [String] = []
        for _ in connections { sessions.append(try await Self.login(setup, "lat-\(tag)", password)) }
        let tokens = sessions
        let dealerID = dealer.account!.id

        // The pending requests, from one new client account each.
        let requestIDs = try await Self.inParallel(connections) { index, connection in
            var ids: [Int64] = []
            for number in stride(from: index, to: requests, by: connections.count) {
                let login = "lat-\(tag)-c\(number)"
                _ = try await connection.call(
                    Auth_V1_AuthService.signUp, .init(accountName: "Client \(number)", login: login, password: password))
                let token = try await Self.login(connection, login, password)
                let submitted = try await connection.call(
                    Client_V1_ClientService.submitRequest, .init(dealerAccountID: dealerID, message: "latency"), token: token)
                ids.append(submitted.request!.id)
            }
            return ids
        }.flatMap { $0 }

        // AcceptRequest: each client takes the next request until none is left.
        let next = Atomic<Int>(0)
        let accept = try await Self.measure(connections) { index, connection in
            var sample = Sample()
            while true {
                let position = next.add(1, ordering: .relaxed).oldValue
                guard position < requestIDs.count else { return sample }
                try await Self.timed(&sample) {
                    _ = try await connection.call(
                        Dealer_V1_DealerService.acceptRequest, .init(requestID: requestIDs[position]), token: tokens[index])
                }
            }
        }
        report("AcceptRequest", accept)

        // ListIncomingRequests: a closed loop per client, timed after the warm-up.
        let start = MonotonicClock.nanoseconds()
        let measureFrom = start + UInt64(warmup * 1e9)
        let end = measureFrom + UInt64(duration * 1e9)
        let pageSize = self.pageSize
        var list = try await Self.measure(connections) { index, connection in
            var sample = Sample()
            let request = Dealer_V1_ListIncomingRequestsRequest(pageSize: pageSize)
            while MonotonicClock.nanoseconds() < measureFrom {
                _ = try await connection.call(Dealer_V1_DealerService.listIncomingRequests, request, token: tokens[index])
            }
            while MonotonicClock.nanoseconds() < end {
                try await Self.timed(&sample) {
                    let page = try await connection.call(
                        Dealer_V1_DealerService.listIncomingRequests, request, token: tokens[index])
                    guard page.requests.count == min(Int(pageSize), requestIDs.count) else {
                        throw LoadFailure(reason: "ListIncomingRequests returned \(page.requests.count) requests")
                    }
                }
            }
            return sample
        }
        list.nanoseconds = end - measureFrom
        report("ListIncomingRequests", list)
    }

    private func report(_ method: String, _ sample: Sample) {
        func us(_ q: Double) -> String { sample.latency.quantile(q).map { String(($0 + 500) / 1000) } ?? "-" }
        let rate = Double(sample.latency.total) / (Double(sample.nanoseconds) / 1e9)
        print(
            "method=\(method) clients=\(clients) calls=\(sample.latency.total) calls/s=\(Int(rate.rounded())) "
                + "p50=\(us(0.5))us p90=\(us(0.9))us p99=\(us(0.99))us errors=\(sample.errors)")
    }

    private static func login(_ connection: DealerConnection, _ login: String, _ password: String) async throws -> String {
        try await connection.call(Auth_V1_AuthService.login, .init(login: login, password: password)).token
    }

    /// Runs `body` once per connection, concurrently, and returns the results in connection order.
    private static func inParallel<T: Sendable>(
        _ connections: [DealerConnection], _ body: @escaping @Sendable (Int, DealerConnection) async throws -> T
    ) async throws -> [T] {
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            for (index, connection) in connections.enumerated() {
                group.addTask { (index, try await body(index, connection)) }
            }
            var results: [(Int, T)] = []
            for try await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// Runs one sample per connection concurrently and merges them, with the phase's wall time.
    private static func measure(
        _ connections: [DealerConnection], _ body: @escaping @Sendable (Int, DealerConnection) async throws -> Sample
    ) async throws -> Sample {
        let start = MonotonicClock.nanoseconds()
        var merged = Sample()
        for sample in try await inParallel(connections, body) { merged.merge(sample) }
        merged.nanoseconds = MonotonicClock.nanoseconds() - start
        return merged
    }

    /// Times one call into `sample`; an `RPCError` counts as an error, anything else ends the run.
    private static func timed(_ sample: inout Sample, _ call: () async throws -> Void) async throws {
        let start = MonotonicClock.nanoseconds()
        do {
            try await call()
            sample.latency.record(MonotonicClock.nanoseconds() - start)
        } catch is RPCError {
            sample.errors += 1
        }
    }
}
