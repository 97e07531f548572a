@testable import DealerStore
import Dispatch
import Synchronization
import Testing

/// Many threads race on the same client; the single write transaction decides.
@Suite("Concurrent writes")
struct ConcurrencyTests {
    let t0 = TestDatabase.t0
    let rounds = 25
    let threads = 8

    /// Runs `attempt(i)` on `threads` threads at once and returns the outcomes.
    private func race<T: Sendable>(_ attempt: @escaping @Sendable (Int) throws -> T) -> [Result<T, any Error>] {
        let outcomes = Mutex<[Result<T, any Error>]>([])
        DispatchQueue.concurrentPerform(iterations: threads) { index in
            let outcome = Result { try attempt(index) }
            outcomes.withLock { $0.append(outcome) }
        }
        return outcomes.withLock { $0 }
    }

    /// The failures; one that is not a `StoreError` shows as an "UNEXPECTED" storage failure.
    private func reasons<T>(_ outcomes: [Result<T, any Error>]) -> Set<StoreError> {
        Set(outcomes.compactMap { if case .failure(let error) = $0 { (error as? StoreError) ?? .storageUnavailable("UNEXPECTED \(error)") } else { nil } })
    }

    @Test func twoDealersAcceptingTheSameClientExactlyOneWins() throws {
        let db = try TestDatabase()
        // A second store on the same file stands for a second process: only SQLite's lock serializes the two.
        let stores = [db.store, try DealerStore(configuration: .init(path: db.path), logger: TestDatabase.logger)]
        let dealers = [try db.dealer("north"), try db.dealer("south")]
        for round in 0..<rounds {
            let client = try db.account("client\(round)")
            let requests = try dealers.map { try db.submit(client, to: $0) }
            let outcomes = race { index in
                let (store, side) = (stores[index / 2 % 2], index % 2)
                return try store.acceptRequest(dealerAccountID: dealers[side].account.id, requestID: requests[side].id,
                                               now: self.t0 + Int64(index), audit: TestDatabase.audit("AcceptRequest", dealers[side].admin))
            }
            #expect(outcomes.filter { (try? $0.get()) != nil }.count == 1)
            #expect(reasons(outcomes).isSubset(of: [.requestNotPending, .accountServedByDealer]))
            #expect(try db.store.serviceStatus(clientAccountID: client.account.id) != nil)
        }
        try db.expectNoViolations()
    }

    @Test func acceptRacingTheClientBecomingADealerExactlyOneWins() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        for round in 0..<rounds {
            let client = try db.account("client\(round)")
            let request = try db.submit(client, to: dealer)
            let outcomes = race { index -> Bool in
                if index % 2 == 0 {
                    _ = try db.accept(request, by: dealer)
                } else {
                    _ = try db.store.setUserRights(accountID: client.account.id, userID: client.admin.id, isAdmin: true, isDealer: true,
                                                   now: self.t0, audit: TestDatabase.audit("SetUserRights", client.admin))
                }
                return index % 2 == 0
            }
            let winners = Set(outcomes.compactMap { try? $0.get() })
            #expect(winners.count == 1, "accept and grant must not both succeed")
            #expect(reasons(outcomes).isSubset(of: [.requestNotPending, .accountServedByDealer, .dealerCannotBeServed]))
        }
        try db.expectNoViolations()
    }

    @Test func acceptRacingCancelExactlyOneWins() throws {
        let db = try TestDatabase()
        let dealer = try db.dealer("dealer")
        for round in 0..<rounds {
            let client = try db.account("client\(round)")
            let request = try db.submit(client, to: dealer)
            let outcomes = race { index -> ServiceRequestRecord in
                if index % 2 == 0 { return try db.accept(request, by: dealer) }
                return try db.store.cancelRequest(clientAccountID: client.account.id, requestID: request.id, now: self.t0,
                                                  audit: TestDatabase.audit("CancelRequest", client.admin))
            }
            #expect(outcomes.filter { (try? $0.get()) != nil }.count == 1)
            #expect(reasons(outcomes) == [.requestNotPending])
        }
        try db.expectNoViolations()
    }
}
