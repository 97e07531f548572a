import ArgumentParser
import DealerClient
import DealerProtocol
import Foundation

/// The options every subcommand shares: where the server is, which session to
/// use and how to print the answer.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Server address as host:port (default 127.0.0.1:7420; [::1]:7420 for IPv6).")
    var server: String?

    @Option(name: .customLong("host"), help: "Server host (the host part of --server).")
    var hostOption: String?

    @Option(name: .customLong("port"), help: "Server port (the port part of --server).")
    var portOption: Int?

    @Option(help: "Session token (default: $DEALER_TOKEN, else the session `dealerctl login` stored for this server).")
    var token: String?

    @Option(help: "Seconds to wait for each call.")
    var timeout = 30

    @OptionGroup var tls: TLSOptions

    @Flag(help: "Print the response as one JSON document with the proto's field names (snake_case).")
    var json = false

    /// The server's address from --server, else --host and --port.
    var address: ServerAddress {
        get throws {
            guard let server else {
                return ServerAddress(host: hostOption ?? ServerAddress.defaultHost, port: portOption ?? ServerAddress.defaultPort)
            }
            guard hostOption == nil, portOption == nil else {
                throw ValidationError("give --server or --host/--port, not both")
            }
            return try ServerAddress(parsing: server)
        }
    }

    var host: String { (try? address)?.host ?? ServerAddress.defaultHost }
    var port: Int { (try? address)?.port ?? ServerAddress.defaultPort }

    func validate() throws {
        _ = try address
        guard timeout > 0 else { throw ValidationError("--timeout must be at least 1 second") }
    }

    /// Where `login` stores this server's session.
    var sessionFile: SessionFile { SessionFile(server: (try? address) ?? ServerAddress()) }

    /// The token from --token, else $DEALER_TOKEN, else the stored session, else empty.
    var sessionToken: String {
        if let token { return token }
        if let environment = ProcessInfo.processInfo.environment["DEALER_TOKEN"], !environment.isEmpty { return environment }
        return sessionFile.read() ?? ""
    }

    /// Connects, runs `body`, closes. An `RPCError` is printed as
    /// `CODE REASON: message` on stderr and becomes exit code 1.
    /// A usage error for a command that prints a report for people, not one
    /// response: --json would otherwise be ignored without a word.
    func refuseJSON(for command: String) throws {
        if json { throw ValidationError("\(command) prints a report for people; --json is not supported here") }
    }

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

    /// Runs one call and prints its response: the JSON document with --json,
    /// else what `human` prints (a table or a record).
    func show<Response: ProtoMessage>(
        _ call: (Session) async throws -> Response, human: (Response) -> Void = { printRecord($0) }
    ) async throws {
        try await run { session in
            let response = try await call(session)
            if json { print(ProtoJSON.document(response)) } else { human(response) }
        }
    }
}

/// One connection plus the token and deadline every call carries; the typed
/// clients call through it.
struct Session: DealerCallTransport {
    let connection: DealerConnection
    let token: String
    let timeout: Duration

    func call<Request, Response>(_ method: RPCMethod<Request, Response>, _ request: Request) async throws -> Response {
        try await connection.call(method, request, token: token, timeout: timeout)
    }

    /// The session's token and deadline unless `options` sets its own.
    func call<Request, Response>(
        _ method: RPCMethod<Request, Response>, _ request: Request, options: CallOptions, idempotent: Bool
    ) async throws -> Response {
        try await connection.call(method, request, token: options.token ?? token, timeout: options.timeout ?? timeout)
    }

    var auth: Auth_V1_AuthServiceClient<Session> { .init(self) }
    var dealer: Dealer_V1_DealerServiceClient<Session> { .init(self) }
    var client: Client_V1_ClientServiceClient<Session> { .init(self) }
    var registers: Registers_V1_RegisterServiceClient<Session> { .init(self) }
    var health: Health_V1_HealthClient<Session> { .init(self) }
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
