import DealerClient
import DealerProtocol

/// Connects to a running dealerd (it starts nothing itself), checks its
/// health and, given credentials, logs in through a token provider and asks
/// who it is.
///
///     ClientExample [--host 127.0.0.1] [--port 7420] [--login LOGIN --password PASSWORD]
@main
struct ClientExample {
    static func main() async throws {
        let options = Options(CommandLine.arguments.dropFirst())

        var configuration = DealerClientPool.Configuration(host: options.host, port: options.port)
        configuration.connections = 2
        configuration.clientName = "client-example"
        configuration.defaultTimeout = .seconds(5)
        configuration.retryPolicy = RetryPolicy(maxAttempts: 3)  // idempotent calls only
        if let login = options.login, let password = options.password {
            // Logs in on first use and again when the session dies (SESSION_INVALID).
            configuration.tokenProvider = SessionTokenProvider { pool in
                try await Auth_V1_AuthServiceClient(pool)
                    .login(.init(login: login, password: password), options: CallOptions(token: ""))
                    .token
            }
        }

        do {
            try await run(configuration, options)
        } catch let error as RPCError {
            // Branch on code + reason, never on the message.
            print("failed: \(error.code) \(error.reason): \(error.message)")
        }
    }

    static func run(_ configuration: DealerClientPool.Configuration, _ options: Options) async throws {
        try await withDealerClientPool(configuration: configuration) { pool in
            let health = Health_V1_HealthClient(pool)
            let status = try await health.check(.init(service: "auth.v1.AuthService")).status
            print("auth.v1.AuthService: \(status)")

            guard options.login != nil else { return }
            let me = try await Auth_V1_AuthServiceClient(pool).whoAmI()
            print("logged in as \(me.session?.login ?? "?") in \(me.session?.accountName ?? "?")")
        }
    }
}

/// `--name value` pairs from the command line.
struct Options {
    var host = "127.0.0.1"
    var port = 7420
    var login: String?
    var password: String?

    init(_ arguments: ArraySlice<String>) {
        var iterator = arguments.makeIterator()
        while let name = iterator.next() {
            let value = iterator.next()
            switch name {
            case "--host": host = value ?? host
            case "--port": port = value.flatMap(Int.init) ?? port
            case "--login": login = value
            case "--password": password = value
            default: break
            }
        }
    }
}
