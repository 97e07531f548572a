import DealerClient
import DealerProtocol
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One round of the crash test against a live `dealerd`: concurrent writers,
/// each on its own connection with one call at a time, each running one
/// `CrashWorkload` (half of them SignUp and CreateUser, the others SetUserRights,
/// the request workflow and registers), until SIGKILL lands `killAfter` into the
/// load. Returns the facts the acknowledged writes promised.
struct CrashRound {
    enum WriteKind: String, Sendable, CaseIterable {
        case signUp = "SignUp"
        case createUser = "CreateUser"
        case rights = "SetUserRights"
        case requests = "requests"
        case registers = "registers"

        /// Writer `index`'s kind: even writers alternate SignUp and CreateUser, odd
        /// ones cycle through requests, registers and rights.
        static func of(writer index: Int) -> WriteKind {
            index % 2 == 0 ? [.signUp, .createUser][(index / 2) % 2] : [.requests, .registers, .rights][(index / 2) % 3]
        }

        var workload: any CrashWorkload.Type {
            switch self {
            case .signUp: SignUpCrashWorkload.self
            case .createUser: CreateUserCrashWorkload.self
            case .rights: RightsCrashWorkload.self
            case .requests: RequestsCrashWorkload.self
            case .registers: RegistersCrashWorkload.self
            }
        }
    }

    /// What the clients saw.
    struct Outcome: Sendable {
        /// Every acknowledged write (setup included), its facts and its count per method.
        var acknowledged = CrashCallLog()
        /// Calls sent but not answered when the server died: may or may not be committed.
        var inFlight: [CrashCallLog.PendingCall] = []
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
    /// Unique per run and round; register numbers of the round start with it (see `registerNumberBase(writer:)`).
    let registerNumberBase: Int

    /// Sets up the writers (accounts signed up and logged in), runs the load and
    /// kills `pid` after `killAfter`.
    func run(killAfter: Duration, pid: pid_t) async throws -> Outcome {
        var outcome = Outcome()
        var prepared: [Writer] = []
        do {
            try await prepare(&prepared, &outcome)
            try await load(prepared, killAfter: killAfter, pid: pid, into: &outcome)
        } catch {
            for writer in prepared { await writer.context.connection.close() }
            throw error
        }
        for writer in prepared { await writer.context.connection.close() }
        return outcome
    }

    /// Connects every writer and runs its workload's setup.
    private func prepare(_ prepared: inout [Writer], _ outcome: inout Outcome) async throws {
        for index in 0..<writers {
            let connection = try await DealerConnection.connect(host: host, port: port)
            let kind = WriteKind.of(writer: index)
            let context = CrashWriterContext(
                connection: connection, loginPrefix: "\(loginPrefix)w\(index)",
                registerNumberBase: registerNumberBase + index * 1_000_000)
            var log = CrashCallLog()
            do {
                let workload = try await kind.workload.prepare(context, log: &log)
                outcome.acknowledged.append(log)
                prepared.append(Writer(context: context, kind: kind, workload: workload))
            } catch {
                await connection.close()
                throw error
            }
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
                    outcome.acknowledged.append(report.log)
                    outcome.inFlight += report.log.inFlight.map { [$0] } ?? []
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
            /// The load's writes (the setup's are in the outcome already), with the call in flight at the end.
            var log = CrashCallLog()
            var unexpectedError: String?
        }

        let context: CrashWriterContext
        let kind: WriteKind
        let workload: any CrashWorkload

        func run(killSwitch: KillSwitch) async -> Report {
            var report = Report()
            var workload = self.workload
            var sequence = 0
            while true {
                do {
                    try await workload.step(sequence, log: &report.log)
                    sequence += 1
                } catch {
                    if !killSwitch.hasFired {
                        report.unexpectedError = "\(kind.rawValue) writer \(context.loginPrefix) write \(sequence): \(error)"
                    }
                    return report
                }
            }
        }
    }
}
