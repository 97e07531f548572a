import ArgumentParser
import DealerProtocol
import Foundation

/// `dealerctl migrate accounts`: the old per-client accounts of a service
/// center ask this dealer for service, and the dealer accepts.
struct MigrateAccounts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts",
        abstract: "Takes the service center's old per-client accounts on service (run by the dealer's session).",
        discussion: """
            FILE lists the old accounts, one `login<TAB>password` or `login,password` per line (split at the \
            first tab or comma; the password runs to the end of the line); blank lines and lines \
            starting with # are skipped. For each account: log in as it, send this dealer a service request \
            (client.v1 SubmitRequest), and accept it as the dealer (AcceptRequest). Re-running is safe: an \
            account this dealer serves already is reported as such, and a request still pending from an \
            interrupted run is found in the dealer's incoming requests and accepted. Exits 1 when any account \
            did not end up served by this dealer.
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The file of old accounts (login<TAB>password or login,password per line).")
    var from: String

    @Option(help: "The message sent with each service request.")
    var message = "Moving to the dealer mechanism"

    func validate() throws {
        try connection.refuseJSON(for: "migrate accounts")
    }

    /// What became of one account.
    enum Outcome {
        case accepted(requestID: Int64)
        case alreadyServed
        case servedByAnother(Common_V1_ServingDealer)
        case refused(String)

        var text: String {
            switch self {
            case .accepted(let requestID): "accepted (request \(requestID))"
            case .alreadyServed: "already served by this dealer"
            case .servedByAnother(let dealer): "already served by another dealer: \(dealer.dealerName) (\(dealer.dealerAccountID))"
            case .refused(let reason): "refused: \(reason)"
            }
        }
    }

    func run() async throws {
        try await reportingFailures {
            let text: String
            do { text = try String(contentsOfFile: from, encoding: .utf8) } catch {
                throw CommandFailure("cannot read \(from): \(error.localizedDescription)")
            }
            let accounts = try AccountsFile.parse(text, path: from)
            try await connection.run { session in try await migrate(accounts, session) }
        }
    }

    private func migrate(_ accounts: [AccountsFile.Account], _ dealer: Session) async throws {
        let me = try await dealer.call(Auth_V1_AuthService.whoAmI, .init()).session ?? .init()
        var rows: [[String]] = []
        var counts = (accepted: 0, served: 0, another: 0, refused: 0)
        for account in accounts {
            let (accountID, outcome) = try await migrate(account, dealer: dealer, dealerAccountID: me.accountID)
            switch outcome {
            case .accepted: counts.accepted += 1
            case .alreadyServed: counts.served += 1
            case .servedByAnother: counts.another += 1
            case .refused: counts.refused += 1
            }
            rows.append([String(account.line), account.login, accountID == 0 ? "-" : String(accountID), outcome.text])
        }
        printTabSeparated(["line", "login", "account_id", "result"], rows)
        print(
            "\(accounts.count) accounts: \(counts.accepted) accepted, \(counts.served) already served by this dealer, "
                + "\(counts.another) served by another dealer, \(counts.refused) refused")
        if counts.another + counts.refused > 0 { throw ExitCode.failure }
    }

    /// Logs in as `account`, has it request this dealer's service, accepts the
    /// request; the account id (0 when the login failed) and the outcome.
    private func migrate(_ account: AccountsFile.Account, dealer: Session, dealerAccountID: Int64) async throws
        -> (Int64, Outcome)
    {
        let login: Auth_V1_LoginResponse
        do {
            login = try await dealer.connection.call(
                Auth_V1_AuthService.login, .init(login: account.login, password: account.password), timeout: dealer.timeout)
        } catch let error as RPCError {
            return (0, .refused("login: \(error)"))
        }
        let client = Session(connection: dealer.connection, token: login.token, timeout: dealer.timeout)
        let accountID = login.session?.accountID ?? 0
        let outcome: Outcome
        do {
            outcome = try await requestAndAccept(client: client, clientAccountID: accountID, dealer: dealer, dealerAccountID: dealerAccountID)
        } catch let error as RPCError {
            outcome = .refused("\(error)")
        }
        _ = try? await client.call(Auth_V1_AuthService.logout, .init())
        return (accountID, outcome)
    }

    private func requestAndAccept(client: Session, clientAccountID: Int64, dealer: Session, dealerAccountID: Int64) async throws
        -> Outcome
    {
        if let serving = try await client.call(Client_V1_ClientService.getServiceStatus, .init()).dealer {
            return serving.dealerAccountID == dealerAccountID ? .alreadyServed : .servedByAnother(serving)
        }
        let requestID: Int64
        do {
            let submitted = try await client.call(
                Client_V1_ClientService.submitRequest, .init(dealerAccountID: dealerAccountID, message: message))
            requestID = submitted.request?.id ?? 0
        } catch let error as RPCError where error.reason == .duplicateRequest {
            // A request of an interrupted run, still pending.
            let pending = try await collectPages { token in
                let page = try await dealer.call(
                    Dealer_V1_DealerService.listIncomingRequests, .init(statusFilter: .pending, pageSize: 500, pageToken: token))
                return (page.requests, page.nextPageToken)
            }
            guard let request = pending.first(where: { $0.clientAccountID == clientAccountID }) else { throw error }
            requestID = request.id
        }
        _ = try await dealer.call(Dealer_V1_DealerService.acceptRequest, .init(requestID: requestID))
        return .accepted(requestID: requestID)
    }
}
