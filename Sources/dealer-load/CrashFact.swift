import DealerStore
import Foundation

/// Something an acknowledged write promised about the database, checked after
/// the kill with `DealerStore`'s read methods. Facts about the same entity share
/// a `key`: a later acknowledged write of that entity replaces the earlier fact.
enum CrashFact: Hashable, Sendable, CustomStringConvertible {
    /// A user with this login exists (SignUp, CreateUser, ConvertGroupToClient's admin).
    case userExists(login: String)
    /// The user holds exactly these rights (SetUserRights).
    case userRights(accountID: Int64, userID: Int64, admin: Bool, dealer: Bool)
    /// The service request has this status (SubmitRequest, AcceptRequest, RejectRequest).
    case requestStatus(clientAccountID: Int64, requestID: Int64, status: RequestStatus)
    /// The account is served by this dealer, or by none (AcceptRequest, Disconnect).
    case servedBy(clientAccountID: Int64, dealerAccountID: Int64?)
    /// The active register is in this account, and in this group when one is given
    /// (AddRegister, TransferRegisters).
    case registerIn(accountID: Int64, registerID: Int64, groupID: Int64?)
    /// The active register is in the account whose user has this login (ConvertGroupToClient).
    case registerInAccountOf(login: String, registerID: Int64)

    var key: String {
        switch self {
        case .userExists(let login): "login:\(login)"
        case .userRights(_, let userID, _, _): "rights:\(userID)"
        case .requestStatus(_, let requestID, _): "request:\(requestID)"
        case .servedBy(let clientAccountID, _): "served:\(clientAccountID)"
        case .registerIn(_, let registerID, _), .registerInAccountOf(_, let registerID): "register:\(registerID)"
        }
    }

    var description: String {
        switch self {
        case .userExists(let login): "user \(login) exists"
        case .userRights(_, let userID, let admin, let dealer): "user \(userID) has rights admin=\(admin) dealer=\(dealer)"
        case .requestStatus(_, let requestID, let status): "request \(requestID) is \(status.rawValue)"
        case .servedBy(let client, let dealer): "account \(client) served by \(dealer.map(String.init) ?? "nobody")"
        case .registerIn(let account, let register, let group):
            "register \(register) in account \(account)" + (group.map { " group \($0)" } ?? "")
        case .registerInAccountOf(let login, let register): "register \(register) in the account of \(login)"
        }
    }

    /// A fact about the same entity that no write of the crash test ever makes
    /// true, even with the call in flight at the kill committed: a missing login,
    /// earlier rights, a request moved back (or on to a state never acknowledged),
    /// an account served by itself, a register in no account. Fed to
    /// the checker to show it reports what is absent.
    var falsified: CrashFact {
        switch self {
        case .userExists(let login): .userExists(login: login + "-never")
        // The value before the acknowledged one in the rights writer's cycle
        // (admin, dealer, both, none): the unanswered call in flight at the kill
        // may have committed the next one, never an earlier one.
        case .userRights(let accountID, let userID, let admin, let dealer):
            .userRights(accountID: accountID, userID: userID, admin: !admin, dealer: admin ? dealer : !dealer)
        case .requestStatus(let client, let request, let status):
            .requestStatus(clientAccountID: client, requestID: request, status: status == .pending ? .cancelled : .pending)
        // Served by itself: never (an in-flight Disconnect may have made "nobody" true).
        case .servedBy(let client, _): .servedBy(clientAccountID: client, dealerAccountID: client)
        case .registerIn(_, let register, _): .registerIn(accountID: 0, registerID: register, groupID: nil)
        case .registerInAccountOf(let login, let register): .registerInAccountOf(login: login + "-never", registerID: register)
        }
    }

    /// The case's name, to tell kinds of facts apart.
    var kind: String {
        switch self {
        case .userExists: "userExists"
        case .userRights: "userRights"
        case .requestStatus: "requestStatus"
        case .servedBy: "servedBy"
        case .registerIn: "registerIn"
        case .registerInAccountOf: "registerInAccountOf"
        }
    }

    /// Each client account's requests (id to effective status), read once per check.
    typealias RequestCache = [Int64: [Int64: RequestStatus]]

    /// True when the database holds the fact. Blocking (SQLite).
    func holds(in store: DealerStore, requests: inout RequestCache) throws -> Bool {
        switch self {
        case .userExists(let login):
            return try store.credentials(forLogin: login) != nil
        case .userRights(let accountID, let userID, let admin, let dealer):
            guard let user = try store.user(accountID: accountID, userID: userID) else { return false }
            return user.isAdmin == admin && user.isDealer == dealer
        case .requestStatus(let clientAccountID, let requestID, let status):
            if requests[clientAccountID] == nil { requests[clientAccountID] = try Self.requests(of: clientAccountID, in: store) }
            return requests[clientAccountID]?[requestID] == status
        case .servedBy(let clientAccountID, let dealerAccountID):
            return try store.serviceStatus(clientAccountID: clientAccountID)?.dealerAccountID == dealerAccountID
        case .registerIn(let accountID, let registerID, let groupID):
            guard let register = try Self.register(registerID, in: accountID, store) else { return false }
            return groupID == nil || register.groupID == groupID
        case .registerInAccountOf(let login, let registerID):
            guard let owner = try store.credentials(forLogin: login) else { return false }
            return try Self.register(registerID, in: owner.account.id, store) != nil
        }
    }

    /// The active register `registerID` if it is in `accountID`.
    private static func register(_ registerID: Int64, in accountID: Int64, _ store: DealerStore) throws -> CashRegisterRecord? {
        do {
            let register = try store.cashRegister(accountID: accountID, registerID: registerID)
            return register.isRemoved ? nil : register
        } catch is RegisterStoreError {
            return nil
        }
    }

    /// The client's own requests (paged through): id to effective status.
    private static func requests(of clientAccountID: Int64, in store: DealerStore) throws -> [Int64: RequestStatus] {
        var statuses: [Int64: RequestStatus] = [:]
        var cursor: Int64?
        repeat {
            let page = try store.listMyRequests(
                clientAccountID: clientAccountID, status: nil, cursor: cursor, limit: 500, now: Self.nowMs)
            for request in page.items { statuses[request.id] = request.status }
            cursor = page.nextCursor
        } while cursor != nil
        return statuses
    }

    /// Wall-clock now, for the effective status of pending requests (their expiry is days away).
    private static var nowMs: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
