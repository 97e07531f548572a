import DealerTestSupport
import Foundation
import Testing

/// The register, organization, group and transfer subcommands through the
/// dealerctl binary against a live server.
@Suite("dealerctl registers and transfers")
struct RegistersCLITests {
    private static let password = "correct horse battery"

    private func number(_ result: DealerCtlResult, _ object: String, _ field: String = "id") throws -> Int {
        try #require((try result.json()[object] as? [String: Any])?[field] as? Int, "\(object).\(field) in \(result.output)")
    }

    @Test func aDealerSetsUpARegisterMovesItAndPreviewsTransfers() async throws {
        try await withServicesTestServer { server in
            let ctl = try DealerCtlProcess(port: server.port)
            defer { ctl.cleanUp() }
            let acme = try await ctl.signUpAndLogIn(account: "Acme Service", login: "acme", password: Self.password)
            try await ctl.becomeDealer(userID: acme.user, login: "acme", password: Self.password)

            let organization = try number(
                try await ctl.succeed(["registers", "orgs", "create", "--name", "Romashka LLC", "--inn", "7707083893", "--kpp", "773601001", "--json"]),
                "organization")
            let renamed = try await ctl.succeed(["registers", "orgs", "update", "--organization-id", "\(organization)", "--name", "Romashka Ltd"])
            #expect(renamed.rows == [["id", "name", "inn", "kpp", "register_count"], ["\(organization)", "Romashka", "Ltd", "7707083893", "-", "0"]])
            let shown = try await ctl.succeed(["registers", "orgs", "get", "--organization-id", "\(organization)"])
            #expect(shown.rows.contains(["organization.name", "Romashka", "Ltd"]))

            let group = try number(try await ctl.succeed(["registers", "groups", "create", "--name", "North", "--json"]), "group")
            try await ctl.succeed(["registers", "groups", "rename", "--group-id", "\(group)", "--name", "Store North"])
            let added = try await ctl.succeed(
                ["registers", "add", "--organization-id", "\(organization)", "--group-id", "\(group)", "--model", "ATOL 30F",
                 "--serial-number", "SN-1", "--registration-number", "0000000000000001", "--fiscal-drive-number", "9999000000000001",
                 "--json"])
            let register = try number(added, "register")
            try await ctl.succeed(["registers", "update", "--register-id", "\(register)", "--name", "till 1"])
            let fetched = try await ctl.succeed(["registers", "get", "--register-id", "\(register)", "--json"])
            #expect((try fetched.json()["register"] as? [String: Any])?["name"] as? String == "till 1")
            let moved = try await ctl.succeed(["registers", "move", "--register-id", "\(register)", "--group-id", "0", "--json"])
            #expect(try moved.json()["moved_register_ids"] as? [Int] == [register])
            #expect((try moved.json()["unchanged_register_ids"] as? [Any])?.isEmpty == true)
            try await ctl.succeed(["registers", "groups", "delete", "--group-id", "\(group)"])
            let history = try await ctl.succeed(["registers", "history", "--register-id", "\(register)"])
            #expect(history.rows.map { $0.dropFirst().first } == ["kind", "added", "group_changed"])
            let listed = try await ctl.succeed(["registers", "list", "--state", "active", "--without-group", "--json"])
            #expect((try listed.json()["registers"] as? [[String: Any]])?.map { $0["id"] as? Int } == [register])

            // A served client without the organization: the transfer is previewed and refused in the preview.
            let client = try number(
                try await ctl.succeed(
                    ["dealer", "create-client", "--account-name", "Shop", "--admin-login", "shop-admin", "--admin-password", Self.password,
                     "--json"]),
                "account")
            let preview = try await ctl.succeed(
                ["dealer", "transfer-registers", "--register-id", "\(register)", "--target-account-id", "\(client)", "--dry-run", "--json"])
            let problems = try #require(try preview.json()["problems"] as? [[String: Any]])
            #expect(problems.map { $0["reason"] as? String } == ["TARGET_HAS_NO_ORGANIZATION"])
            #expect(try preview.json()["dry_run"] as? Bool == true)
            let transfers = try await ctl.succeed(["dealer", "transfers", "--json"])
            #expect((try transfers.json()["transfers"] as? [Any])?.isEmpty == true)

            let removed = try await ctl.succeed(["registers", "remove", "--register-id", "\(register)", "--json"])
            #expect((try removed.json()["register"] as? [String: Any])?["state"] as? String == "REGISTER_STATE_REMOVED")
            let refused = try await ctl.run(["registers", "orgs", "delete", "--organization-id", "\(organization)"])
            #expect(refused.status == 1)
            #expect(refused.errorOutput.hasPrefix("FAILED_PRECONDITION ORGANIZATION_HAS_REGISTERS: "))
        }
    }

    @Test func aClientCancelsADealerUnblocksAndAPasswordChanges() async throws {
        try await withServicesTestServer { server in
            let dealer = try DealerCtlProcess(port: server.port)
            let client = try DealerCtlProcess(port: server.port)
            defer { [dealer, client].forEach { $0.cleanUp() } }
            let acme = try await dealer.signUpAndLogIn(account: "Acme Service", login: "acme", password: Self.password)
            let acmeAccount = acme.account
            try await dealer.becomeDealer(userID: acme.user, login: "acme", password: Self.password)
            _ = try await client.signUpAndLogIn(account: "Vasilek", login: "vasilek", password: Self.password)

            let first = try number(try await client.succeed(["client", "submit", "--dealer-account-id", "\(acmeAccount)", "--json"]), "request")
            let cancelled = try await client.succeed(["client", "cancel", "--request-id", "\(first)"])
            #expect(cancelled.rows.dropFirst().first?.prefix(2) == ["\(first)", "cancelled"])
            let second = try number(try await client.succeed(["client", "submit", "--dealer-account-id", "\(acmeAccount)", "--json"]), "request")
            try await dealer.succeed(["dealer", "reject", "--request-id", "\(second)"])
            try await dealer.succeed(["dealer", "block", "--request-id", "\(second)"])
            let unblocked = try await dealer.succeed(["dealer", "unblock", "--request-id", "\(second)", "--json"])
            #expect((try unblocked.json()["request"] as? [String: Any])?["blocked"] as? Bool == false)
            try await client.succeed(["client", "submit", "--dealer-account-id", "\(acmeAccount)"])

            let changed = try await client.succeed(
                ["change-password", "--current-password", Self.password, "--new-password", "another horse battery", "--json"])
            #expect(try changed.json()["revoked_sessions"] as? Int != nil)
            #expect(try await client.run(["login", "--login", "vasilek", "--password", Self.password]).status == 1)
            try await client.succeed(["login", "--login", "vasilek", "--password", "another horse battery"])
        }
    }
}
