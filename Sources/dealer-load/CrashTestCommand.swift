import ArgumentParser
import DealerClient
import DealerProtocol
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `dealer-load crash-test`: SIGKILL a loaded `dealerd` again and again and
/// check that no acknowledged write is lost.
struct CrashTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash-test",
        abstract: "Kill a dealerd under concurrent load over the whole write surface with SIGKILL, round after round, and check its database.",
        discussion: """
            Each round starts dealerd on the same database (--port 0 --password-cost minimal), runs \
            --writers concurrent writers (one connection each, one call at a time; even writers alternate \
            SignUp and CreateUser as a logged-in admin; odd writers cycle through the request workflow \
            (SubmitRequest, AcceptRequest or RejectRequest, Disconnect), registers (AddRegister, \
            TransferRegisters between served accounts, CreateGroup, ConvertGroupToClient) and \
            SetUserRights), sends SIGKILL at a random moment between --min-kill-ms and --max-kill-ms into \
            the load, then opens the database with DealerStore and checks that every fact an acknowledged \
            write promised so far (this round and all earlier ones) holds - each entity in its last \
            acknowledged state, or in the state the call in flight at the kill would have left - that \
            integrity_check is ok and no invariant is broken. After the last round the checker is fed one \
            false fact per kind and must report each missing, and dealerd is started once more and an \
            acknowledged user logs in through it. Exits non-zero on any failure.
            """
    )

    @Option(help: "Path of the dealerd executable.")
    var dealerd: String

    @Option(help: "Kill-and-restart rounds.")
    var rounds = 20

    @Option(help: "Concurrent writers (connections).")
    var writers = 8

    @Option(help: "Seed of the kill moments (default: random, printed).")
    var seed: UInt64?

    @Option(help: "Earliest SIGKILL, milliseconds into the load.")
    var minKillMs = 50

    @Option(help: "Latest SIGKILL, milliseconds into the load.")
    var maxKillMs = 800

    @Option(help: "dealerd --sync mode.")
    var sync = "full"

    @Flag(help: .hidden)
    var plantMissingFact = false

    @Option(help: "Directory for the database and the dealerd logs (default: a new temporary one, removed if every round passes).")
    var workDirectory: String?

    mutating func validate() throws {
        guard rounds >= 1, writers >= 1 else { throw ValidationError("--rounds and --writers must be >= 1") }
        guard 0 <= minKillMs, minKillMs <= maxKillMs else { throw ValidationError("need 0 <= --min-kill-ms <= --max-kill-ms") }
        guard FileManager.default.isExecutableFile(atPath: dealerd) else { throw ValidationError("\(dealerd) is not an executable") }
    }

    mutating func run() async throws {
        let seed = self.seed ?? UInt64.random(in: 0...UInt64.max)
        var random = SplitMix64(seed: seed)
        let directory = try workDirectory.map { URL(fileURLWithPath: $0) } ?? Self.makeTemporaryDirectory()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = directory.appendingPathComponent("crash.sqlite").path
        let runTag = String(seed % 46_656, radix: 36)  // keeps logins unique if --work-directory is reused
        say("crash-test: seed \(seed), \(rounds) rounds, \(writers) writers, kill at \(minKillMs)-\(maxKillMs) ms, sync \(sync), db \(database)")

        var ledger = CrashLedger()
        var acknowledgedByMethod: [String: Int] = [:]
        var passed = 0
        var failed = 0
        for round in 1...rounds {
            let killAfter = Int.random(in: minKillMs...maxKillMs, using: &random)
            let label = "round \(String(round).leftPadded(to: String(rounds).count))/\(rounds)"
            do {
                let line = try await runRound(
                    round, killAfterMs: killAfter, database: database, directory: directory,
                    loginPrefix: "c\(runTag)r\(round)",
                    registerNumberBase: Int(seed % 1000) * 10_000_000_000_000 + (round % 100_000) * 100_000_000,
                    ledger: &ledger)
                if line.passed { passed += 1 } else { failed += 1 }
                acknowledgedByMethod.merge(line.acknowledgedByMethod, uniquingKeysWith: +)
                say("\(label): \(line.text)")
            } catch {
                failed += 1
                say("\(label): FAIL: \(error)")
                if !FileManager.default.fileExists(atPath: database) { break }
            }
        }

        do {
            let selfCheck = try CrashVerification.selfCheck(databasePath: database, ledger: ledger)
            if selfCheck.unreported.isEmpty {
                say("checker self-check: \(selfCheck.kinds.count) false facts planted (\(selfCheck.kinds.joined(separator: ", "))), all reported missing")
            } else {
                failed += 1
                say("checker self-check: FAIL: false facts not reported: \(selfCheck.unreported.joined(separator: "; "))")
            }
        } catch {
            failed += 1
            say("checker self-check: FAIL: \(error)")
        }

        do {
            try await finalRestart(database: database, directory: directory, login: ledger.lastLogin)
            say("final restart: dealerd opened the database and \(ledger.lastLogin ?? "nobody") logged in; \(ledger.count) facts checked in all")
        } catch {
            failed += 1
            say("final restart: FAIL: \(error)")
        }
        say("acknowledged in all: \(Self.describe(acknowledgedByMethod))")
        say("crash-test: \(passed) passed, \(failed) failed (seed \(seed))")
        if failed > 0 {
            say("crash-test: database and dealerd logs kept in \(directory.path)")
            throw ExitCode.failure
        }
        if workDirectory == nil { try? FileManager.default.removeItem(at: directory) }
    }

    private struct RoundLine {
        let passed: Bool
        let text: String
        let acknowledgedByMethod: [String: Int]
    }

    /// "N (n1 SignUp, n2 CreateUser, ...)", methods in `CrashCallLog.methods` order.
    private static func describe(_ counts: [String: Int]) -> String {
        let kinds = CrashCallLog.methods.map { "\(counts[$0, default: 0]) \($0)" }
        return "\(counts.values.reduce(0, +)) (\(kinds.joined(separator: ", ")))"
    }

    /// Start, load, kill, check. Adds this round's acknowledged facts to `ledger`.
    private func runRound(
        _ round: Int, killAfterMs: Int, database: String, directory: URL, loginPrefix: String, registerNumberBase: Int,
        ledger: inout CrashLedger
    ) async throws -> RoundLine {
        let daemon = try await ChildDaemon.start(
            executable: dealerd, arguments: daemonArguments(database),
            logURL: directory.appendingPathComponent("dealerd-\(round).log"))
        let outcome: CrashRound.Outcome
        do {
            outcome = try await CrashRound(
                host: "127.0.0.1", port: daemon.port, writers: writers, loginPrefix: loginPrefix,
                registerNumberBase: registerNumberBase
            )
                .run(killAfter: .milliseconds(killAfterMs), pid: daemon.pid)
        } catch {
            ChildDaemon.sendSignal(SIGKILL, to: daemon.pid)
            _ = try? await daemon.waitForExit()
            throw error
        }
        let exit: ChildDaemon.Exit
        do { exit = try await daemon.waitForExit() } catch {
            guard let first = outcome.unexpectedErrors.first else { throw error }
            throw LoadFailure(reason: "\(error)\nfirst error before the kill: \(first)")
        }
        ledger.acknowledge(outcome.acknowledged.acknowledgedFacts)
        for call in outcome.inFlight { ledger.allowInFlight(call.factsIfCommitted) }
        if plantMissingFact, let fact = outcome.acknowledged.acknowledgedFacts.last {
            ledger.acknowledge([fact.falsified])  // hidden --plant-missing-fact: this round must fail
        }

        let check = try CrashVerification.check(databasePath: database, ledger: ledger, inFlight: outcome.inFlight)
        var problems: [String] = []
        if !(exit.bySignal && exit.status == SIGKILL) { problems.append("dealerd ended by \(exit), not SIGKILL") }
        if !outcome.unexpectedErrors.isEmpty {
            problems.append(
                "errors before the kill: \(outcome.unexpectedErrors.prefix(3).joined(separator: "; ")); "
                    + "dealerd log (\(daemon.logURL.path)) ends:\n\(ChildDaemon.logTail(daemon.logURL, lines: 4))")
        }
        if !check.missing.isEmpty {
            problems.append("\(check.missing.count) acknowledged facts missing: \(check.missing.prefix(5).joined(separator: "; "))")
        }
        if !check.integrityOK { problems.append("integrity_check is not ok") }
        if !check.violations.isEmpty {
            problems.append("\(check.violations.count) invariant violations: \(check.violations.prefix(5).joined(separator: "; "))")
        }
        let counts = outcome.acknowledged.acknowledgedByMethod
        let text =
            "SIGKILL at \(outcome.killedAtMs) ms; \(Self.describe(counts)) acknowledged, "
            + "\(outcome.inFlight.count) in flight (\(check.inFlightCommitted) known committed); "
            + "\(ledger.count - check.missing.count)/\(ledger.count) facts hold, "
            + "integrity \(check.integrityOK ? "ok" : "BAD"), invariants \(check.violations.isEmpty ? "ok" : "BROKEN")"
            + (problems.isEmpty ? " - pass" : " - FAIL: \(problems.joined(separator: "; "))")
        return RoundLine(passed: problems.isEmpty, text: text, acknowledgedByMethod: counts)
    }

    /// dealerd must still start on the final (killed) database and serve an acknowledged user.
    private func finalRestart(database: String, directory: URL, login: String?) async throws {
        let daemon = try await ChildDaemon.start(
            executable: dealerd, arguments: daemonArguments(database),
            logURL: directory.appendingPathComponent("dealerd-final.log"))
        do {
            if let login {
                let connection = try await DealerConnection.connect(host: "127.0.0.1", port: daemon.port)
                let session = try await connection.call(
                    Auth_V1_AuthService.login, .init(login: login, password: CrashRound.password), timeout: .seconds(10))
                _ = try await connection.call(Auth_V1_AuthService.whoAmI, .init(), token: session.token, timeout: .seconds(10))
                await connection.close()
            }
        } catch {
            ChildDaemon.sendSignal(SIGKILL, to: daemon.pid)
            _ = try? await daemon.waitForExit()
            throw error
        }
        ChildDaemon.sendSignal(SIGTERM, to: daemon.pid)
        let exit = try await daemon.waitForExit()
        guard !exit.bySignal, exit.status == 0 else { throw LoadFailure(reason: "dealerd stopped with \(exit) after SIGTERM") }
    }

    private func daemonArguments(_ database: String) -> [String] {
        ["--host", "127.0.0.1", "--port", "0", "--db", database, "--sync", sync, "--password-cost", "minimal"]
    }

    private static func makeTemporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dealer-crash-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: " ", count: max(0, width - count)) + self
    }
}

/// Writes a line to stdout at once (print is block-buffered when stdout is a
/// pipe, and CI should see each round as it ends).
private func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
