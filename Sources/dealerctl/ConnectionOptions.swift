import ArgumentParser
import DealerClient
import DealerProtocol
import Foundation

/// The options every subcommand shares: where the server is and which session to use.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Server address.")
    var host = "127.0.0.1"

    @Option(help: "Server port.")
    var port = 7420

    @Option(help: "Session token (default: $DEALER_TOKEN).")
    var token: String?

    @Option(help: "Seconds to wait for each call.")
    var timeout = 30

    @OptionGroup var tls: TLSOptions

    /// The token from --token, else $DEALER_TOKEN, else empty.
    var sessionToken: String {
        token ?? ProcessInfo.processInfo.environment["DEALER_TOKEN"] ?? ""
    }

    /// Connects, runs `body`, closes. An `RPCError` is printed as
    /// `CODE REASON: message` on stderr and becomes exit code 1.
    func run(_ body: (Session) async throws -> Void) async throws {
        do {
            let connection = try await DealerConnection.connect(
                host: host, port: port, clientName: "dealerctl", tls: tls.settings)
            do {
                try await body(Session(connection: connection, token: sessionToken, timeout: .seconds(timeout)))
            } catch {
                await connection.close()
                throw error
            }
            await connection.close()
        } catch let error as RPCError {
            printError("\(error.code) \(error.reason): \(error.message)")
            throw ExitCode.failure
        }
    }
}

/// One connection plus the token and deadline every call carries.
struct Session {
    let connection: DealerConnection
    let token: String
    let timeout: Duration

    func call<Request, Response>(_ method: RPCMethod<Request, Response>, _ request: Request) async throws -> Response {
        try await connection.call(method, request, token: token, timeout: timeout)
    }
}

/// Options of list commands.
struct PageOptions: ParsableArguments {
    @Option(help: "Items per page (0 = the server's default of 50; at most 500).")
    var pageSize: UInt32 = 0

    @Option(help: "The next_page_token printed by the previous page.")
    var pageToken = ""
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Prints a next-page hint when the server has more.
func printNextPage(_ token: String) {
    if !token.isEmpty { print("next page: --page-token \(token)") }
}
