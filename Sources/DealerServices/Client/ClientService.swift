import DealerProtocol
import DealerStore

/// `client.v1.ClientService`: what an account does as a client of dealers. Any
/// authenticated session; every call acts on the session's account.
public struct ClientService: Sendable {
    private let environment: ServiceEnvironment

    public init(environment: ServiceEnvironment) {
        self.environment = environment
    }

    private var store: DealerStore { environment.store }
    private var configuration: ServicesConfiguration { environment.configuration }

    public func register(into table: inout MethodTable) {
        typealias Client = Client_V1_ClientService
        table.registerAuthenticated(Client.findDealers, .read, in: environment) { request, _, _ in
            let query = try Validation.text(request.nameQuery, field: "name_query", limit: 200)
            let page = try PageRequest(pageSize: request.pageSize, pageToken: request.pageToken)
            let dealers = try store.findDealers(nameQuery: query, cursor: page.cursor, limit: page.limit)
            return Client_V1_FindDealersResponse(
                dealers: dealers.items.map(Client_V1_DealerInfo.init), nextPageToken: PageRequest.token(dealers.nextCursor))
        }
        table.registerAuthenticated(Client.listMyRequests, .read, in: environment) { request, principal, _ in
            let status = try request.statusFilter.storeFilter()
            let page = try PageRequest(pageSize: request.pageSize, pageToken: request.pageToken)
            let requests = try store.listMyRequests(
                clientAccountID: principal.accountID, status: status, cursor: page.cursor, limit: page.limit,
                now: environment.now)
            return Client_V1_ListMyRequestsResponse(
                requests: requests.items.map(Common_V1_ServiceRequest.init),
                nextPageToken: PageRequest.token(requests.nextCursor))
        }
        table.registerAuthenticated(Client.submitRequest, .write, in: environment) { request, principal, context in
            try principal.requireNotImpersonating()
            let dealerID = try Validation.id(request.dealerAccountID, field: "dealer_account_id")
            let message = try Validation.text(request.message, field: "message")
            let now = environment.now
            let submitted = try store.submitRequest(
                clientAccountID: principal.accountID, dealerAccountID: dealerID, message: message, now: now,
                expiresAt: now + configuration.requestLifetimeMs, audit: principal.audit(context.method))
            return Client_V1_SubmitRequestResponse(request: Common_V1_ServiceRequest(submitted))
        }
        table.registerAuthenticated(Client.cancelRequest, .write, in: environment) { request, principal, context in
            let cancelled = try store.cancelRequest(
                clientAccountID: principal.accountID, requestID: try Validation.id(request.requestID, field: "request_id"),
                now: environment.now, audit: principal.audit(context.method))
            return Client_V1_CancelRequestResponse(request: Common_V1_ServiceRequest(cancelled))
        }
        table.registerAuthenticated(Client.getServiceStatus, .read, in: environment) { _, principal, _ in
            Client_V1_GetServiceStatusResponse(
                dealer: try store.serviceStatus(clientAccountID: principal.accountID).map(Common_V1_ServingDealer.init))
        }
        table.registerAuthenticated(Client.disconnect, .write, in: environment) { _, principal, context in
            try principal.requireNotImpersonating()
            let former = try store.disconnect(
                clientAccountID: principal.accountID, now: environment.now, audit: principal.audit(context.method))
            return Client_V1_DisconnectResponse(formerDealer: Common_V1_ServingDealer(former))
        }
        table.registerAuthenticated(Client.listAuditEvents, .read, in: environment) { request, principal, _ in
            try principal.requireAdmin()
            let page = try PageRequest(pageSize: request.pageSize, pageToken: request.pageToken)
            let events = try store.listAuditEvents(accountID: principal.accountID, cursor: page.cursor, limit: page.limit)
            return Client_V1_ListAuditEventsResponse(
                events: events.items.map(Common_V1_AuditEvent.init), nextPageToken: PageRequest.token(events.nextCursor))
        }
    }
}
