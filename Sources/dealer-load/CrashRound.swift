import DealerClient
import DealerProtocol
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One round of the crash test against a live `dealerd`: concurrent writers,
/// each on its own connection with one call at a time, SignUp (even writers)
/// and CreateUser by a logged-in admin (odd writers), until SIGKILL lands
/// `killAfter` into the load. Returns the logins whose write was acknowledged.
struct CrashRound {
    enum WriteKind: String, Sendable, CaseIterable {
        case signUp = "SignUp"
        case createUser = "CreateUser"
    }

    /// What the clients saw.
    struct Outcome: Sendable {
        /// Logins whose SignUp or CreateUser response arrived: they must be in the database.
        var acknowledged: [String] = []
        var acknowledgedByKind: [WriteKind: Int] = [:]
        /// Logins whose call was sent but not answered when the server died: may or may not be there.
        var inFlight: [String] = []
        /// Errors that arrived before the kill: the server misbehaved under load.
        var unexpectedErrors: [String] = []
        /// Milliseconds from the start of the load to the SIGKILL.
        var killedAtMs = 0
    }

    static let password = "crash-test-password"

    let host: String
    let port: Int
    let writers: Int
    /// Unique per run and round; every login of the round starts with it.
    let loginPrefix: String

    /// Sets up the writers (admins signed up and logged in), runs the load and
    /// kills `pid` after `killAfter`.
    func run(killAfter: Duration, pid: pid_t) async throws -> Outcome {
        var outcome = Outcome()
        var prepared: [Writer] = []
        do {
            try await prepare(&prepared, &outcome)
            try await load(prepared, killAfter: killAfter, pid: pid, into: &outcome)
        } catch {
            for writer in prepared { await writer.connection.close() }
            throw error
        }
        for writer in prepared { await writer.connection.close() }
        return outcome
    }

    /// Connects every writer; CreateUser writers sign up an admin account and log in.
    private func prepare(_ prepared: inout [Writer], _ outcome: inout Outcome) async throws {
        for index in 0..<writers {
            let connection = try await DealerConnection.connect(host: host, port: port)
            let kind: WriteKind = index % 2 == 0 ? .signUp : .createUser
            var token = ""
            if kind == .createUser {
                let admin = "\(loginPrefix)w\(index)admin"
                do {
                    _ = try await connection.call(
                        Auth_V1_AuthService.signUp,
                        .init(accountName: "crash \(admin)", login: admin, password: Self.password), timeout: .seconds(10))
                    outcome.acknowledged.append(admin)
                    outcome.acknowledgedByKind[.signUp, default: 0] += 1
                    token = try await connection.call(
                        Auth_V1_AuthService.login, .init(login: admin, password: Self.password), timeout: .seconds(10)
                    ).token
                } catch {
                    await connection.close()
                    throw error
                }
            }
            prepared.append(Writer(connection: connection, kind: kind, token: token, loginPrefix: "\(loginPrefix)w\(index)n"))
        }
    }

    /// Runs the writers until the SIGKILL sent `killAfter` into the load has cut them all off.
    private func load(_ writers: [Writer], killAfter: Duration, pid: pid_t, into outcome: inout Outcome) async throws {
        let killSwitch = KillSwitch()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Event.self) { group in
            for writer in writers {
                group.addTask { .writer(await writer.run(killSwitch: killSwitch)) }
            }
            group.addTask {
                try await Task.sleep(for: killAfter)
                killSwitch.fire()
                guard ChildDaemon.sendSignal(SIGKILL, to: pid) else {
                    throw LoadFailure(reason: "kill(\(pid), SIGKILL) failed: errno \(errno)")
                }
                return .killed(after: ContinuousClock.now - start)
            }
            for try await event in group {
                switch event {
                case .writer(let report):
                    outcome.acknowledged += report.acknowledged
                    outcome.acknowledgedByKind[report.kind, default: 0] += report.acknowledged.count
                    outcome.inFlight += report.inFlight.map { [$0] } ?? []
                    outcome.unexpectedErrors += report.unexpectedError.map { [$0] } ?? []
                case .killed(let after):
                    outcome.killedAtMs = Int(after.components.seconds * 1000 + after.components.attoseconds / 1_000_000_000_000_000)
                }
            }
        }
    }

    private enum Event: Sendable {
        case writer(Writer.Report)
        case killed(after: Duration)
    }

    /// Fired just before the SIGKILL is sent, so a writer can tell an error the
    /// kill caused (any error seen after it fired) from one before it.
    final class KillSwitch: Sendable {
        private let fired = Atomic<Bool>(false)
        func fire() { fired.store(true, ordering: .sequentiallyConsistent) }
        var hasFired: Bool { fired.load(ordering: .sequentiallyConsistent) }
    }

    /// One connection writing one call at a time until the connection dies.
    struct Writer: Sendable {
        struct Report: Sendable {
            let kind: WriteKind
            var acknowledged: [String] = []
            var inFlight: String?
            var unexpectedError: String?
        }

        let connection: DealerConnection
        let kind: WriteKind
        let token: String
        let loginPrefix: String

        func run(killSwitch: KillSwitch) async -> Report {
            var report = Report(kind: kind)
            var sequence = 0
            while true {
                let login = "\(loginPrefix)\(sequence)"
                sequence += 1
                do {
                    switch kind {
                    case .signUp:
                        _ = try await connection.call(
                            Auth_V1_AuthService.signUp,
                            .init(accountName: "crash \(login)", login: login, password: CrashRound.password),
                            timeout: .seconds(10))
                    case .createUser:
                        _ = try await connection.call(
                            Auth_V1_AuthService.createUser,
                            .init(login: login, password: CrashRound.password, rights: sequence % 4 == 0 ? [.admin] : []),
                            token: token, timeout: .seconds(10))
                    }
                    report.acknowledged.append(login)
                } catch {
                    report.inFlight = login
                    if !killSwitch.hasFired { report.unexpectedError = "\(kind.rawValue) \(login): \(error)" }
                    return report
                }
            }
        }
    }
}
