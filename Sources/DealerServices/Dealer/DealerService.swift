import DealerProtocol
import DealerStore

/// `dealer.v1.DealerService`: what an account working as a dealer does with its
/// clients and incoming requests. Every call needs a session in dealer mode; the
/// store checks every id against the caller's account (another tenant's: NOT_FOUND).
public struct DealerService: Sendable {
    private let environment: ServiceEnvironment

    public init(environment: ServiceEnvironment) {
        self.environment = environment
    }

    private var store: DealerStore { environment.store }
    private var configuration: ServicesConfiguration { environment.configuration }

    public func register(into table: inout MethodTable) {
        typealias Dealer = Dealer_V1_DealerService
        table.registerAuthenticated(Dealer.listClients, .read, in: environment) { request, principal, _ in
            try principal.requireDealerMode()
            let page = try PageRequest(pageSize: request.pageSize, pageToken: request.pageToken)
            let clients = try store.listClients(dealerAccountID: principal.accountID, cursor: page.cursor, limit: page.limit)
            return Dealer_V1_ListClientsResponse(
                clients: clients.items.map(Dealer_V1_ServedClient.init), nextPageToken: PageRequest.token(clients.nextCursor))
        }
        table.registerAuthenticated(Dealer.listIncomingRequests, .read, in: environment) { request, principal, _ in
            try principal.requireDealerMode()
            let status = try request.statusFilter.storeFilter()
            let page = try PageRequest(pageSize: request.pageSize, pageToken: request.pageToken)
            let requests = try store.listIncomingRequests(
                dealerAccountID: principal.accountID, status: status, cursor: page.cursor, limit: page.limit,
                now: environment.now)
            return Dealer_V1_ListIncomingRequestsResponse(
                requests: requests.items.map(Common_V1_ServiceRequest.init),
                nextPageToken: PageRequest.token(requests.nextCursor))
        }
        table.registerAuthenticated(Dealer.createClient, .write, in: environment, execution: .hashing) { request, principal, context in
            try principal.requireDealerMode()
            let name = try Validation.accountName(request.accountName)
            let login = try Validation.login(request.adminLogin)
            let password = try Validation.password(request.adminPassword, bounds: configuration.passwordLength)
            let created = try store.createClient(
                dealerAccountID: principal.accountID, accountName: name, adminLogin: login,
                passwordHash: try environment.hasher.hash(password), now: environment.now,
                audit: principal.audit(context.method))
            let serving = created.account.servedSince.map {
                Common_V1_ServingDealer(dealerAccountID: principal.accountID, dealerName: principal.accountName, sinceMs: $0)
            }
            return Dealer_V1_CreateClientResponse(
                account: Common_V1_Account(created.account, servingDealer: serving), admin: Common_V1_User(created.admin))
        }
        table.registerAuthenticated(Dealer.deleteClient, .write, in: environment) { request, principal, context in
            try principal.requireDealerMode()
            let clientID = try Validation.id(request.accountID, field: "account_id")
            _ = try store.deleteClient(
                dealerAccountID: principal.accountID, clientAccountID: clientID, now: environment.now,
                audit: principal.audit(context.method))
            return Dealer_V1_DeleteClientResponse()
        }
        table.registerAuthenticated(Dealer.loginToClient, .write, in: environment) { request, principal, context in
            try loginToClient(request, principal, context)
        }
        table.registerAuthenticated(Dealer.acceptRequest, .write, in: environment) { request, principal, context in
            try principal.requireDealerMode()
            let accepted = try store.acceptRequest(
                dealerAccountID: principal.accountID, requestID: try Validation.id(request.requestID, field: "request_id"),
                now: environment.now, audit: principal.audit(context.method))
            return Dealer_V1_AcceptRequestResponse(request: Common_V1_ServiceRequest(accepted))
        }
        table.registerAuthenticated(Dealer.rejectRequest, .write, in: environment) { request, principal, context in
            try principal.requireDealerMode()
            let id = try Validation.id(request.requestID, field: "request_id")
            let reason = try Validation.text(request.reason, field: "reason")
            let rejected = try store.rejectRequest(
                dealerAccountID: principal.accountID, requestID: id, reason: reason.isEmpty ? nil : reason,
                now: environment.now, audit: principal.audit(context.method))
            return Dealer_V1_RejectRequestResponse(request: Common_V1_ServiceRequest(rejected))
        }
        table.registerAuthenticated(Dealer.setRequestBlocked, .write, in: environment) { request, principal, context in
            try principal.requireDealerMode()
            let updated = try store.setRequestBlocked(
                dealerAccountID: principal.accountID, requestID: try Validation.id(request.requestID, field: "request_id"),
                blocked: request.blocked, now: environment.now, audit: principal.audit(context.method))
            return Dealer_V1_SetRequestBlockedResponse(request: Common_V1_ServiceRequest(updated))
        }
    }

    /// A session in the served client's account with admin rights (never dealer
    /// rights), recording the dealer behind it, with a short absolute lifetime.
    /// A child of the calling session: it ends when that one ends.
    private func loginToClient(
        _ request: Dealer_V1_LoginToClientRequest, _ principal: Principal, _ context: CallContext
    ) throws -> Dealer_V1_LoginToClientResponse {
        try principal.requireNotImpersonating()
        try principal.requireDealerMode()
        let clientID = try Validation.id(request.accountID, field: "account_id")
        let now = environment.now
        let (token, hash) = SessionToken.generate()
        // Recorded in the client's trail, with the dealer named, like every call made with the new session.
        let audit = AuditContext(
            actorUserID: principal.userID, actorAccountID: principal.accountID, actingForAccountID: clientID,
            impersonatorUserID: principal.userID, impersonatorAccountID: principal.accountID, method: context.method)
        let session = try store.createImpersonationSession(
            dealerUserID: principal.userID, dealerAccountID: principal.accountID, clientAccountID: clientID,
            parentSessionID: principal.sessionID, tokenHash: hash, now: now, expiresAt: now + configuration.impersonationLifetimeMs, audit: audit)
        return Dealer_V1_LoginToClientResponse(token: token, session: Common_V1_SessionInfo(Principal(session: session)))
    }
}
