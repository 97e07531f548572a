import DealerClient
import DealerProtocol

/// The dealer workflow, cycling: a client account submits a request to a dealer
/// account, the dealer accepts it (even cycles; the client then disconnects) or
/// rejects it (odd cycles); two clients take turns. Facts: each request's last
/// acknowledged status, and by whom each client is served.
struct RequestsCrashWorkload: CrashWorkload {
    let writer: CrashWriterContext
    let dealer: CrashWriterContext.Account
    let clients: [CrashWriterContext.Account]
    private var cycle = 0
    /// The submitted request awaiting the dealer's answer: client index, request id.
    private var pending: (client: Int, requestID: Int64)?
    /// The client served since the last acceptance, to disconnect next.
    private var served: Int?

    static func prepare(_ writer: CrashWriterContext, log: inout CrashCallLog) async throws -> Self {
        let dealer = try await writer.signUpDealer("dealer", log: &log)
        var clients: [CrashWriterContext.Account] = []
        for index in 0..<2 { clients.append(try await writer.signUp("client\(index)", log: &log)) }
        return Self(writer: writer, dealer: dealer, clients: clients)
    }

    mutating func step(_ sequence: Int, log: inout CrashCallLog) async throws {
        if let client = served {
            try await Self.disconnect(writer, clients[client], log: &log)
            served = nil
        } else if let waiting = pending {
            let accepting = cycle % 2 == 0
            try await Self.answer(writer, dealer, clients[waiting.client], waiting.requestID, accept: accepting, log: &log)
            if accepting { served = waiting.client }
            pending = nil
            cycle += 1
        } else {
            let client = cycle % clients.count
            let requestID = try await Self.submit(writer, clients[client], to: dealer, log: &log)
            pending = (client, requestID)
        }
    }

    /// SubmitRequest by `client` to `dealer`; returns the new request's id.
    static func submit(
        _ writer: CrashWriterContext, _ client: CrashWriterContext.Account, to dealer: CrashWriterContext.Account,
        log: inout CrashCallLog
    ) async throws -> Int64 {
        let response = try await log.write("SubmitRequest") {
            try await writer.connection.call(
                Client_V1_ClientService.submitRequest, .init(dealerAccountID: dealer.accountID, message: "crash test"),
                token: client.token, timeout: CrashWriterContext.timeout)
        } facts: { response in
            [.requestStatus(clientAccountID: client.accountID, requestID: response.request?.id ?? 0, status: .pending)]
        }
        return response.request?.id ?? 0
    }

    /// AcceptRequest (then `client` is served by `dealer`) or RejectRequest.
    static func answer(
        _ writer: CrashWriterContext, _ dealer: CrashWriterContext.Account, _ client: CrashWriterContext.Account,
        _ requestID: Int64, accept: Bool, log: inout CrashCallLog
    ) async throws {
        if accept {
            let facts: [CrashFact] = [
                .requestStatus(clientAccountID: client.accountID, requestID: requestID, status: .accepted),
                .servedBy(clientAccountID: client.accountID, dealerAccountID: dealer.accountID),
            ]
            _ = try await log.write("AcceptRequest", ifCommitted: facts) {
                try await writer.connection.call(
                    Dealer_V1_DealerService.acceptRequest, .init(requestID: requestID), token: dealer.token,
                    timeout: CrashWriterContext.timeout)
            } facts: { _ in facts }
        } else {
            let facts: [CrashFact] = [.requestStatus(clientAccountID: client.accountID, requestID: requestID, status: .rejected)]
            _ = try await log.write("RejectRequest", ifCommitted: facts) {
                try await writer.connection.call(
                    Dealer_V1_DealerService.rejectRequest, .init(requestID: requestID, reason: "crash test"),
                    token: dealer.token, timeout: CrashWriterContext.timeout)
            } facts: { _ in facts }
        }
    }

    /// Disconnect by `client`: it is served by nobody.
    static func disconnect(_ writer: CrashWriterContext, _ client: CrashWriterContext.Account, log: inout CrashCallLog) async throws {
        let facts: [CrashFact] = [.servedBy(clientAccountID: client.accountID, dealerAccountID: nil)]
        _ = try await log.write("Disconnect", ifCommitted: facts) {
            try await writer.connection.call(
                Client_V1_ClientService.disconnect, .init(), token: client.token, timeout: CrashWriterContext.timeout)
        } facts: { _ in facts }
    }
}
