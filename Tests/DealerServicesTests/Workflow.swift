import DealerClient
import DealerProtocol
import DealerTestSupport
import Testing

/// What a call answered: OK, or its status code and reason.
struct CallOutcome: Equatable, CustomStringConvertible {
    var code: StatusCode
    var reason: RPCError.Reason?

    static let ok = CallOutcome(code: .ok, reason: nil)
    static let unauthenticated = CallOutcome(code: .unauthenticated, reason: nil)
    static func failed(_ code: StatusCode, _ reason: RPCError.Reason) -> CallOutcome { CallOutcome(code: code, reason: reason) }

    var description: String { reason.map { "\(code) \($0)" } ?? "\(code)" }

    /// Runs `call` and records how it ended; errors other than `RPCError` propagate.
    static func of(_ call: () async throws -> Void) async throws -> CallOutcome {
        do {
            try await call()
            return .ok
        } catch let error as RPCError {
            return CallOutcome(code: error.code, reason: error.reason)
        }
    }

    /// Same code, and same reason when one is expected.
    func matches(_ expected: CallOutcome) -> Bool {
        code == expected.code && (expected.reason == nil || reason == expected.reason)
    }
}

/// Accounts and requests for the Dealer and Client service tests, built over the protocol.
enum Workflow {
    static let password = "correct horse battery"

    /// An account whose admin holds the dealer right, logged in again (dealer mode).
    static func dealer(_ connection: DealerConnection, name: String, login: String) async throws -> TestAccount {
        let account = try await connection.signUpAndLogin(name: name, login: login, password: password)
        _ = try await connection.call(
            Auth_V1_AuthService.setUserRights, .init(userID: account.adminUserID, rights: [.admin, .dealer]),
            token: account.token)
        let token = try await connection.login(login, password)
        return TestAccount(
            accountID: account.accountID, adminUserID: account.adminUserID, login: login, password: password, token: token)
    }

    /// A plain account with its admin logged in.
    static func client(_ connection: DealerConnection, name: String, login: String) async throws -> TestAccount {
        try await connection.signUpAndLogin(name: name, login: login, password: password)
    }

    /// A user without rights in `account`, logged in; returns its token.
    static func plainUser(_ connection: DealerConnection, in account: TestAccount, login: String) async throws -> String {
        _ = try await connection.call(
            Auth_V1_AuthService.createUser, .init(login: login, password: password, rights: []), token: account.token)
        return try await connection.login(login, password)
    }

    @discardableResult
    static func submit(
        _ connection: DealerConnection, _ client: TestAccount, to dealer: TestAccount, message: String = "please serve us"
    ) async throws -> Common_V1_ServiceRequest {
        try await connection.call(
            Client_V1_ClientService.submitRequest, .init(dealerAccountID: dealer.accountID, message: message),
            token: client.token
        ).request!
    }

    @discardableResult
    static func accept(_ connection: DealerConnection, _ dealer: TestAccount, _ requestID: Int64) async throws
        -> Common_V1_ServiceRequest
    {
        try await connection.call(Dealer_V1_DealerService.acceptRequest, .init(requestID: requestID), token: dealer.token)
            .request!
    }

    /// Makes `client` served by `dealer` (submit, accept).
    static func serve(_ connection: DealerConnection, _ client: TestAccount, by dealer: TestAccount) async throws {
        let request = try await submit(connection, client, to: dealer)
        try await accept(connection, dealer, request.id)
    }

    /// A LoginToClient session of `dealer` in `client`; returns its token.
    static func impersonate(_ connection: DealerConnection, _ dealer: TestAccount, _ client: TestAccount) async throws
        -> String
    {
        try await connection.call(Dealer_V1_DealerService.loginToClient, .init(accountID: client.accountID), token: dealer.token)
            .token
    }

    /// Fails the test when the store finds a broken invariant.
    static func expectNoViolations(_ server: TestServer, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let violations = try server.store.invariantViolations()
        #expect(violations.isEmpty, "invariant violations: \(violations)", sourceLocation: sourceLocation)
    }

    /// Expects `call` to fail with `code` (and `reason`).
    static func expectRefusal(
        _ code: StatusCode, _ reason: RPCError.Reason? = nil, sourceLocation: SourceLocation = #_sourceLocation,
        _ call: () async throws -> Void
    ) async throws {
        let outcome = try await CallOutcome.of(call)
        let expected = CallOutcome(code: code, reason: reason)
        #expect(outcome.matches(expected), "expected \(expected), got \(outcome)", sourceLocation: sourceLocation)
    }
}
