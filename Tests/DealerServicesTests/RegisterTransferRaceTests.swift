import DealerClient
import DealerProtocol
import DealerStore
import DealerTestSupport
import Testing

/// Overlapping TransferRegisters calls from three connections at once, many rounds over one
/// server: every register ends in exactly one account, and its history is one unbroken chain
/// with exactly one entry per successful transfer that named it.
@Suite("Races between concurrent register transfers")
struct RegisterTransferRaceTests {
    typealias Dealer = Dealer_V1_DealerService
    typealias Setup = RegisterWorkflow

    static let rounds = 200

    @Test("overlapping transfers to different targets: one account per register, no gap and no double move")
    func overlappingTransfers() async throws {
        try await withServicesTestServer { server in
            let setup = try await server.connect(name: "setup")
            var racers: [DealerConnection] = []
            for index in 0..<3 { racers.append(try await server.connect(name: "racer-\(index)")) }
            let dealer = try await Workflow.dealer(setup, name: "Racing Center", login: "racing-center")
            var clients: [Int64] = []
            for name in ["alpha", "beta"] {
                let client = try await Workflow.client(setup, name: name, login: "\(name)-admin")
                try await Workflow.serve(setup, client, by: dealer)
                _ = try await Setup.organization(setup, client.token, inn: Setup.sberbankINN)
                clients.append(client.accountID)
            }
            let organization = try await Setup.organization(setup, dealer.token, inn: Setup.sberbankINN)
            let accounts = [dealer.accountID] + clients

            for round in 0..<Self.rounds {
                var ids: [Int64] = []
                for k in 0..<3 {
                    ids.append(try await Setup.addRegister(setup, dealer.token, 1000 + round * 3 + k, organization: organization.id).id)
                }
                // Each pair of calls overlaps in one register; the third sends two back home.
                let plans: [(ids: [Int64], target: Int64)] = [
                    ([ids[0], ids[1]], clients[0]), ([ids[1], ids[2]], clients[1]), ([ids[0], ids[2]], dealer.accountID),
                ]
                let results = try await withThrowingTaskGroup(of: (Int, Result<Int64, RPCError>).self) { tasks in
                    for (index, plan) in plans.enumerated() {
                        let net = racers[index]
                        tasks.addTask {
                            do {
                                let response = try await net.call(
                                    Dealer.transferRegisters,
                                    .init(registerIds: plan.ids, targetAccountID: plan.target, operationID: Setup.operationID()),
                                    token: dealer.token)
                                return (index, .success(response.transferID))
                            } catch let error as RPCError {
                                return (index, .failure(error))
                            }
                        }
                    }
                    var results: [Int: Result<Int64, RPCError>] = [:]
                    for try await (index, result) in tasks { results[index] = result }
                    return results
                }
                // The calls into the clients always find their registers movable; the one home fails
                // only when a register of it is still home, and then moves nothing.
                for (index, result) in results {
                    if case .failure(let error) = result {
                        #expect(index == 2 && error.reason == .registerAlreadyInTarget, "round \(round): \(error)")
                    }
                }
                for id in ids {
                    let owners = try accounts.filter { account in
                        (try? server.store.cashRegister(accountID: account, registerID: id)) != nil
                    }
                    #expect(owners.count == 1, "round \(round): register \(id) is in \(owners)")
                    guard let owner = owners.first else { continue }
                    let history = try server.store.registerHistory(accountID: owner, registerID: id, cursor: nil, limit: 500).items
                    #expect(history.first?.kind == .added && history.first?.to.accountID == dealer.accountID)
                    for (previous, entry) in zip(history, history.dropFirst()) {
                        #expect(entry.kind == .transferred, "round \(round): register \(id)")
                        #expect(entry.from?.accountID == previous.to.accountID, "round \(round): register \(id) has a gap")
                        #expect(entry.from?.accountID != entry.to.accountID, "round \(round): register \(id) moved in place")
                    }
                    #expect(history.last?.to.accountID == owner)
                    // One entry per successful call that named it, in commit order, each call once.
                    let expected = plans.indices.compactMap { index -> Int64? in
                        guard plans[index].ids.contains(id), case .success(let transferID) = results[index] else { return nil }
                        return transferID
                    }.sorted()
                    #expect(history.compactMap(\.transferID) == expected, "round \(round): register \(id)")
                }
            }
            try Workflow.expectNoViolations(server)
            for net in racers + [setup] { await net.close() }
        }
    }
}
