import DealerProtocol
import DealerStore

// Store records as wire messages.

extension Common_V1_User {
    init(_ user: UserRecord) {
        self.init(
            id: user.id, accountID: user.accountID, login: user.login,
            rights: Common_V1_Right.list(admin: user.isAdmin, dealer: user.isDealer), createdAtMs: user.createdAt,
            disabled: user.isDisabled)
    }
}

extension Common_V1_Right {
    static func list(admin: Bool, dealer: Bool) -> [Common_V1_Right] {
        switch (admin, dealer) {
        case (false, false): none
        case (true, false): adminOnly
        case (false, true): dealerOnly
        case (true, true): adminAndDealer
        }
    }

    // The four lists, made once: answering WhoAmI from memory allocates none.
    private static let none: [Common_V1_Right] = []
    private static let adminOnly: [Common_V1_Right] = [.admin]
    private static let dealerOnly: [Common_V1_Right] = [.dealer]
    private static let adminAndDealer: [Common_V1_Right] = [.admin, .dealer]
}

extension Common_V1_Account {
    init(_ account: AccountRecord, servingDealer: Common_V1_ServingDealer? = nil) {
        self.init(
            id: account.id, name: account.name, createdAtMs: account.createdAt, isDealer: account.isDealer,
            servingDealer: servingDealer, deletedAtMs: account.deletedAt ?? 0)
    }
}

extension Common_V1_ServingDealer {
    init(_ status: ServiceStatus) {
        self.init(dealerAccountID: status.dealerAccountID, dealerName: status.dealerName, sinceMs: status.since)
    }
}

extension Common_V1_SessionInfo {
    init(_ principal: Principal) {
        self.init(
            userID: principal.userID, login: principal.login, accountID: principal.accountID,
            accountName: principal.accountName,
            rights: Common_V1_Right.list(admin: principal.isAdmin, dealer: principal.isDealer),
            dealerMode: principal.isDealer,
            impersonator: principal.impersonator.map(Common_V1_Impersonator.init),
            createdAtMs: principal.createdAt, expiresAtMs: principal.expiresAt)
    }
}

extension Common_V1_Impersonator {
    /// The dealer behind a recorded action, or nil when there was none.
    init?(userID: Int64?, login: String?, accountID: Int64?, accountName: String?) {
        guard let userID, let accountID else { return nil }
        self.init(dealerUserID: userID, dealerLogin: login ?? "", dealerAccountID: accountID, dealerAccountName: accountName ?? "")
    }

    init(_ impersonator: Principal.Impersonator) {
        self.init(
            dealerUserID: impersonator.userID, dealerLogin: impersonator.login,
            dealerAccountID: impersonator.accountID, dealerAccountName: impersonator.accountName)
    }
}

extension Common_V1_RequestStatus {
    init(_ status: RequestStatus) {
        switch status {
        case .pending: self = .pending
        case .accepted: self = .accepted
        case .rejected: self = .rejected
        case .cancelled: self = .cancelled
        case .expired: self = .expired
        case .closed: self = .closed
        }
    }

    /// The store's filter: nil for UNSPECIFIED (every status).
    func storeFilter() throws -> RequestStatus? {
        switch self {
        case .unspecified: return nil
        case .pending: return .pending
        case .accepted: return .accepted
        case .rejected: return .rejected
        case .cancelled: return .cancelled
        case .expired: return .expired
        case .closed: return .closed
        default: throw RPCError(.invalidArgument, .invalidArgument, "unknown status_filter \(self)")
        }
    }
}

extension Common_V1_ServiceRequest {
    init(_ request: ServiceRequestRecord) {
        self.init(
            id: request.id, clientAccountID: request.clientAccountID, clientAccountName: request.clientAccountName,
            dealerAccountID: request.dealerAccountID, dealerAccountName: request.dealerAccountName,
            status: Common_V1_RequestStatus(request.status), message: request.message,
            rejectReason: request.rejectReason ?? "", blocked: request.blocked, createdAtMs: request.createdAt,
            updatedAtMs: request.updatedAt, expiresAtMs: request.expiresAt)
    }
}

extension Common_V1_AuditEvent {
    init(_ event: AuditEventRecord) {
        let impersonator = Common_V1_Impersonator(
            userID: event.impersonatorUserID, login: event.impersonatorLogin, accountID: event.impersonatorAccountID,
            accountName: event.impersonatorAccountName)
        self.init(
            id: event.id, atMs: event.at, actorUserID: event.actorUserID ?? 0, actorLogin: event.actorLogin ?? "",
            actorAccountID: event.actorAccountID ?? 0, actingForAccountID: event.actingForAccountID ?? 0,
            impersonator: impersonator, method: event.method, object: event.object, result: event.result)
    }
}

extension Dealer_V1_ServedClient {
    init(_ client: ClientRecord) {
        self.init(accountID: client.accountID, name: client.name, servedSinceMs: client.servedSince)
    }
}

extension Client_V1_DealerInfo {
    init(_ dealer: DealerRecord) {
        self.init(accountID: dealer.accountID, name: dealer.name)
    }
}
