import Foundation
import Testing

/// What one run of the dealerctl binary did.
struct DealerCtlResult {
    let status: Int32
    let output: String
    let errorOutput: String

    /// stdout parsed as the one JSON document of --json.
    func json() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "not a JSON object: \(output)")
    }

    /// stdout's lines split into their whitespace-separated cells (a table's header is row 0).
    var rows: [[String]] { output.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) } }
}

/// Runs the built dealerctl binary (next to the test bundle) as one operator:
/// its own XDG_CONFIG_HOME, so its stored session is its own.
struct DealerCtlProcess {
    let executable: URL
    let configHome: URL
    let server: String

    init(port: Int) throws {
        executable = try Self.locate()
        configHome = FileManager.default.temporaryDirectory.appendingPathComponent("dealerctl-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: configHome, withIntermediateDirectories: true)
        server = "127.0.0.1:\(port)"
    }

    /// The session file `login` writes for this server.
    var sessionFile: URL { configHome.appendingPathComponent("dealerctl/\(server.replacingOccurrences(of: ":", with: "_")).session") }

    /// Runs `dealerctl arguments --server 127.0.0.1:PORT` (without --server when `withServer` is false).
    func run(_ arguments: [String], withServer: Bool = true, environment extra: [String: String] = [:]) async throws -> DealerCtlResult {
        var environment = ProcessInfo.processInfo.environment
        environment["DEALER_TOKEN"] = nil
        environment["DEALER_PASSWORD"] = nil
        environment["XDG_CONFIG_HOME"] = configHome.path
        environment.merge(extra) { _, new in new }
        let outputFile = configHome.appendingPathComponent("stdout-\(UUID().uuidString)")
        let errorFile = configHome.appendingPathComponent("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments + (withServer ? ["--server", server] : [])
        process.environment = environment
        let output = try FileHandle(forWritingTo: outputFile)
        let errors = try FileHandle(forWritingTo: errorFile)
        defer {
            try? output.close()
            try? errors.close()
        }
        process.standardOutput = output
        process.standardError = errors
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        defer {
            try? FileManager.default.removeItem(at: outputFile)
            try? FileManager.default.removeItem(at: errorFile)
        }
        return DealerCtlResult(
            status: process.terminationStatus,
            output: try String(contentsOf: outputFile, encoding: .utf8),
            errorOutput: try String(contentsOf: errorFile, encoding: .utf8))
    }

    /// Runs and requires exit code 0, reporting stderr otherwise.
    @discardableResult
    func succeed(_ arguments: [String], environment: [String: String] = [:]) async throws -> DealerCtlResult {
        let result = try await run(arguments, environment: environment)
        #expect(result.status == 0, "dealerctl \(arguments.joined(separator: " ")): \(result.errorOutput)")
        try #require(result.status == 0)
        return result
    }

    /// Signs an account up and logs its admin in (the session is stored); the account's and the user's ids.
    func signUpAndLogIn(account: String, login: String, password: String) async throws -> (account: Int, user: Int) {
        let signUp = try await succeed(["signup", "--account-name", account, "--login", login, "--password", password, "--json"])
        let json = try signUp.json()
        let accountID = try #require((json["account"] as? [String: Any])?["id"] as? Int)
        let userID = try #require((json["user"] as? [String: Any])?["id"] as? Int)
        try await succeed(["login", "--login", login, "--password", password])
        return (accountID, userID)
    }

    /// Gives the logged-in admin the dealer right and logs in again: the stored session is in dealer mode.
    func becomeDealer(userID: Int, login: String, password: String) async throws {
        let rights = try await succeed(["users", "set-rights", "--user-id", "\(userID)", "--right", "admin", "--right", "dealer"])
        #expect(rights.output.contains("admin,dealer"))
        try await succeed(["login", "--login", login, "--password", password])
    }

    /// Deletes the config home.
    func cleanUp() {
        try? FileManager.default.removeItem(at: configHome)
    }

    /// The dealerctl binary beside the test bundle (the build directory).
    static func locate() throws -> URL {
        var directories: [URL] = []
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            directories.append(URL(fileURLWithPath: executable).deletingLastPathComponent())
        }
        directories += CommandLine.arguments.filter { $0.contains(".xctest") }.map { URL(fileURLWithPath: $0).deletingLastPathComponent() }
        directories += Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        directories.append(ProtoContract.directory.deletingLastPathComponent().appendingPathComponent(".build/debug"))
        let found = directories.map { $0.appendingPathComponent("dealerctl") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
        return try #require(found, "no dealerctl binary in \(directories.map(\.path)); build it first (swift build)")
    }
}
