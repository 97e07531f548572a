import DealerProtocol
import DealerStore
import Logging

/// What the Auth, Dealer and Client services share.
public final class ServiceEnvironment: Sendable {
    public let store: DealerStore
    public let clock: any WallClock
    public let configuration: ServicesConfiguration
    public let authenticator: Authenticator
    let hasher: PasswordHasher
    let throttle: LoginThrottle

    public init(store: DealerStore, clock: any WallClock = SystemClock(), configuration: ServicesConfiguration) {
        self.store = store
        self.clock = clock
        self.configuration = configuration
        self.authenticator = Authenticator(store: store, clock: clock, configuration: configuration)
        self.hasher = PasswordHasher(cost: configuration.passwordCost)
        self.throttle = LoginThrottle(configuration: configuration)
    }

    var now: Int64 { clock.nowMilliseconds() }

    /// The sessions the authenticator keeps in memory (its counters give the hit ratio).
    public var sessionCache: SessionCache { authenticator.cache }
}

/// Whether a method changes state: writes record their own audit event in
/// their transaction; reads made through a LoginToClient session are
/// audited by `registerAuthenticated`.
enum CallKind {
    case read
    case write
}

extension MethodTable {
    /// Serves `method` for callers with a live session. Every call made
    /// through a dealer's LoginToClient session is audited with both
    /// identities: reads here, writes in their own transaction, and refused
    /// calls here with the refusal's reason. Without `execution`, writes run on
    /// the write lane and reads on the storage lane.
    mutating func registerAuthenticated<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ kind: CallKind,
        in environment: ServiceEnvironment,
        execution: HandlerExecution? = nil,
        fromMemory: (@Sendable (Request, CallContext) throws -> Response?)? = nil,
        _ body: @escaping @Sendable (Request, Principal, CallContext) throws -> Response
    ) {
        let execution = execution ?? (kind == .write ? .writing : .blocking)
        register(method, execution: execution, fromMemory: fromMemory) { request, context in
            let principal = try environment.authenticator.principal(for: context)
            do {
                let response = try body(request, principal, context)
                if principal.isImpersonating && kind == .read {
                    try environment.store.appendAudit(
                        principal.audit(method.path), object: "account:\(principal.accountID)", now: environment.now)
                }
                return response
            } catch {
                if principal.isImpersonating {
                    let result = (RPCError.answering(error)?.reason ?? .internalError).rawValue
                    do {
                        try environment.store.appendAudit(
                            principal.audit(method.path), object: "account:\(principal.accountID)", result: result,
                            now: environment.now)
                    } catch let auditError {
                        // The call's own error is what the caller gets; the lost audit record is logged.
                        context.logger.error(
                            "audit record of a refused LoginToClient call not written",
                            metadata: ["result": "\(result)", "session_id": "\(principal.sessionID)", "error": "\(auditError)"])
                    }
                }
                throw error
            }
        }
    }
}

extension MethodTable {
    /// Serves a read that needs nothing but the caller's session (WhoAmI):
    /// answered on the event loop when the session is cached and live (no
    /// storage, no thread hop); otherwise like `registerAuthenticated(.read)`
    /// on the storage lane. LoginToClient sessions always take the lane, where
    /// their reads are audited.
    mutating func registerSessionRead<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        in environment: ServiceEnvironment,
        _ body: @escaping @Sendable (Request, Principal, CallContext) throws -> Response
    ) {
        registerAuthenticated(method, .read, in: environment, fromMemory: { request, context in
            guard let principal = try environment.authenticator.principalFromMemory(for: context),
                !principal.isImpersonating
            else { return nil }
            return try body(request, principal, context)
        }, body)
    }
}

extension Principal {
    func requireAdmin() throws {
        guard isAdmin else {
            throw RPCError(.permissionDenied, .adminRequired, "this needs the admin right in this account")
        }
    }

    func requireDealerMode() throws {
        guard isDealer else {
            throw RPCError(
                .permissionDenied, .dealerModeRequired,
                "this needs a session in dealer mode: give a user the dealer right, then log in again")
        }
    }

    func requireNotImpersonating() throws {
        guard !isImpersonating else {
            throw RPCError(
                .permissionDenied, .notAllowedWhileImpersonating,
                "not allowed in a session opened with LoginToClient")
        }
    }
}
