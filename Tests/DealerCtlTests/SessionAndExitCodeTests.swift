import DealerTestSupport
import Foundation
import Testing

@Suite("dealerctl sessions and exit codes")
struct SessionAndExitCodeTests {
    private static let password = "correct horse battery"

    private func mode(_ url: URL) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int)
    }

    @Test func loginStoresAPrivateSessionAndLogoutEndsAndRemovesIt() async throws {
        try await withServicesTestServer { server in
            let ctl = try DealerCtlProcess(port: server.port)
            defer { ctl.cleanUp() }
            try await ctl.succeed(["signup", "--account-name", "Acme Service", "--login", "admin", "--password", Self.password])
            let login = try await ctl.succeed(["login", "--login", "admin", "--password", Self.password])
            let token = login.output.trimmingCharacters(in: .whitespacesAndNewlines)

            #expect(try mode(ctl.sessionFile) == 0o600)
            #expect(try mode(ctl.sessionFile.deletingLastPathComponent()) == 0o700)
            #expect(try String(contentsOf: ctl.sessionFile, encoding: .utf8) == token + "\n")
            let whoami = try await ctl.succeed(["whoami"])
            #expect(whoami.output.hasPrefix("user:      admin"))

            // --token and DEALER_TOKEN override the stored session.
            let overridden = try await ctl.run(["whoami", "--token", "not-a-session"])
            #expect(overridden.status == 1)
            #expect(overridden.errorOutput.hasPrefix("UNAUTHENTICATED SESSION_INVALID: "))
            let fromEnvironment = try await ctl.run(["whoami"], environment: ["DEALER_TOKEN": "not-a-session"])
            #expect(fromEnvironment.errorOutput.hasPrefix("UNAUTHENTICATED SESSION_INVALID: "))

            try await ctl.succeed(["logout"])
            #expect(!FileManager.default.fileExists(atPath: ctl.sessionFile.path))
            let ended = try await ctl.run(["whoami", "--token", token])
            #expect(ended.status == 1)
            #expect(ended.errorOutput.hasPrefix("UNAUTHENTICATED SESSION_INVALID: "))
            let noSession = try await ctl.run(["logout"])
            #expect(noSession.status == 2)
        }
    }

    @Test func exitCodesAre0ForSuccess1ForAFailedCallAnd2ForAUsageError() async throws {
        try await withServicesTestServer { server in
            let ctl = try DealerCtlProcess(port: server.port)
            defer { ctl.cleanUp() }
            let healthy = try await ctl.run(["health"])
            #expect(healthy.status == 0)
            #expect(healthy.output == "SERVING\n")
            #expect(try await ctl.run(["health", "--host", "127.0.0.1", "--port", "\(server.port)"], withServer: false).status == 0)

            let failed = try await ctl.run(["login", "--login", "nobody", "--password", "wrong password"])
            #expect(failed.status == 1)
            #expect(failed.errorOutput.hasPrefix("UNAUTHENTICATED INVALID_CREDENTIALS: "))

            for migrate in [["migrate", "groups", "--dry-run", "--json"], ["migrate", "accounts", "--from", "accounts.tsv", "--json"]] {
                let refused = try await ctl.run(migrate)
                #expect(refused.status == 2, "\(migrate)")
                #expect(refused.errorOutput.contains("--json is not supported here"), "\(migrate): \(refused.errorOutput)")
            }

            for usage in [["dealer", "accept"], ["dealer", "accept", "--request-id", "x"], ["no-such-command"], ["registers", "update", "--register-id", "1"]] {
                let result = try await ctl.run(usage)
                #expect(result.status == 2, "\(usage)")
                #expect(!result.errorOutput.isEmpty, "\(usage)")
            }
            #expect(try await ctl.run(["health", "--server", "127.0.0.1:not-a-port"], withServer: false).status == 2)
            #expect(try await ctl.run(["health", "--host", "127.0.0.1"]).status == 2)
            #expect(try await ctl.run(["--help"], withServer: false).status == 0)
        }
    }
}
