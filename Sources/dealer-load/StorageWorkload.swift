import DealerClient
import DealerProtocol

/// The calls of `dealer-load storage-bench`, and the accounts, users and
/// sessions they need, created through the protocol before the load starts.
struct StorageWorkload {
    enum Write: String, CaseIterable, Sendable {
        /// An admin toggles RIGHT_ADMIN on a user of its own account: token
        /// lookup (read), one write transaction (UPDATE users, revoke that
        /// user's sessions — it has none — audit row), read back the user. No hashing.
        case setUserRights = "set-user-rights"
        /// A new account and its admin per call: one write transaction
        /// (account, user, audit row) plus an Argon2id hash at the server's cost.
        case signUp = "sign-up"
    }

    static let password = "storage-bench-password"

    let host: String
    let port: Int
    /// Unique per run; every login starts with it.
    let loginPrefix: String

    /// `clients` slots of `write`, each on its own connection with one call at a time.
    func writeSlots(_ write: Write, clients: Int) async throws -> (slots: [StorageLoad.Call], connections: [DealerConnection]) {
        var slots: [StorageLoad.Call] = []
        var connections: [DealerConnection] = []
        for client in 0..<clients {
            let connection = try await DealerConnection.connect(host: host, port: port)
            connections.append(connection)
            let prefix = "\(loginPrefix)c\(client)"
            switch write {
            case .setUserRights:
                let token = try await signUpAndLogIn(connection, login: "\(prefix)admin")
                let target = try await connection.call(
                    Auth_V1_AuthService.createUser, .init(login: "\(prefix)target", password: Self.password, rights: []),
                    token: token
                ).user?.id ?? 0
                slots.append { iteration in
                    _ = try await connection.call(
                        Auth_V1_AuthService.setUserRights,
                        .init(userID: target, rights: iteration % 2 == 0 ? [.admin] : []), token: token)
                }
            case .signUp:
                slots.append { iteration in
                    let login = "\(prefix)n\(iteration)"
                    _ = try await connection.call(
                        Auth_V1_AuthService.signUp, .init(accountName: "bench \(login)", login: login, password: Self.password))
                }
            }
        }
        return (slots, connections)
    }

    /// WhoAmI with a session token: `connections` connections, one session
    /// each, `inFlight` calls outstanding on each.
    func whoAmISlots(connections count: Int, inFlight: Int) async throws -> (slots: [StorageLoad.Call], connections: [DealerConnection]) {
        var slots: [StorageLoad.Call] = []
        var connections: [DealerConnection] = []
        for index in 0..<count {
            let connection = try await DealerConnection.connect(host: host, port: port)
            connections.append(connection)
            let token = try await signUpAndLogIn(connection, login: "\(loginPrefix)r\(index)")
            for _ in 0..<inFlight {
                slots.append { _ in
                    _ = try await connection.call(Auth_V1_AuthService.whoAmI, .init(), token: token)
                }
            }
        }
        return (slots, connections)
    }

    private func signUpAndLogIn(_ connection: DealerConnection, login: String) async throws -> String {
        _ = try await connection.call(
            Auth_V1_AuthService.signUp, .init(accountName: "bench \(login)", login: login, password: Self.password))
        return try await connection.call(Auth_V1_AuthService.login, .init(login: login, password: Self.password)).token
    }
}
