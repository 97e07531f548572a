import DealerTestSupport
import Foundation
import Testing

/// The whole seed flow through the dealerctl binary against a live server:
/// a dealer and two clients, each with its own stored session.
@Suite("dealerctl walks the seed flow")
struct SeedFlowCLITests {
    private static let password = "correct horse battery"

    private func objects(_ json: [String: Any], _ key: String) -> [[String: Any]] { json[key] as? [[String: Any]] ?? [] }

    @Test func aDealerAndTwoClientsWalkTheWholeFlow() async throws {
        try await withServicesTestServer { server in
            let dealer = try DealerCtlProcess(port: server.port)
            let first = try DealerCtlProcess(port: server.port)
            let second = try DealerCtlProcess(port: server.port)
            defer { [dealer, first, second].forEach { $0.cleanUp() } }

            // The dealer: signup, the admin gives itself the dealer right, logs in again.
            let acme = try await dealer.signUpAndLogIn(account: "Acme Service", login: "acme-admin", password: Self.password)
            try await dealer.becomeDealer(userID: acme.user, login: "acme-admin", password: Self.password)
            let whoami = try await dealer.succeed(["whoami", "--json"])
            #expect((try whoami.json()["session"] as? [String: Any])?["dealer_mode"] as? Bool == true)

            // The first client finds the dealer (table) and sends a request (JSON).
            let romashka = try await first.signUpAndLogIn(account: "Romashka LLC", login: "romashka-admin", password: Self.password)
            let found = try await first.succeed(["client", "find-dealers", "--name", "Acme"])
            #expect(found.rows.first == ["account_id", "name"])
            #expect(found.rows.dropFirst().contains(["\(acme.account)", "Acme", "Service"]))
            let submitted = try await first.succeed(
                ["client", "submit", "--dealer-account-id", "\(acme.account)", "--message", "please serve us", "--json"])
            let firstRequest = try #require(try submitted.json()["request"] as? [String: Any])
            let firstRequestID = try #require(firstRequest["id"] as? Int)
            #expect(firstRequest["status"] as? String == "REQUEST_STATUS_PENDING")
            #expect(firstRequest["client_account_id"] as? Int == romashka.account)

            // The dealer lists its requests (table and JSON) and accepts.
            let table = try await dealer.succeed(["dealer", "requests", "list"])
            #expect(table.rows.first == ["id", "status", "client", "dealer", "blocked", "created", "message"])
            #expect(table.rows.dropFirst().contains { $0.first == "\(firstRequestID)" && $0.dropFirst().first == "pending" })
            let listed = try await dealer.succeed(["dealer", "requests", "list", "--status", "pending", "--json"])
            #expect(objects(try listed.json(), "requests").map { $0["id"] as? Int } == [firstRequestID])
            #expect(try listed.json()["next_page_token"] as? String == "")
            let accepted = try await dealer.succeed(["dealer", "accept", "--request-id", "\(firstRequestID)", "--json"])
            #expect((try accepted.json()["request"] as? [String: Any])?["status"] as? String == "REQUEST_STATUS_ACCEPTED")
            let clients = try await dealer.succeed(["dealer", "clients", "list", "--json"])
            #expect(objects(try clients.json(), "clients").map { $0["account_id"] as? Int } == [romashka.account])

            // The dealer logs in to the client and looks around; the client reads that in its audit.
            let visit = try await dealer.succeed(["dealer", "login-to-client", "--account-id", "\(romashka.account)"])
            let visitToken = visit.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!visitToken.isEmpty)
            let visitWhoAmI = try await dealer.succeed(["whoami", "--token", visitToken, "--json"])
            let visitSession = try #require(try visitWhoAmI.json()["session"] as? [String: Any])
            #expect(visitSession["account_id"] as? Int == romashka.account)
            #expect((visitSession["impersonator"] as? [String: Any])?["dealer_login"] as? String == "acme-admin")
            let audit = try await first.succeed(["client", "audit", "--json"])
            let visited = objects(try audit.json(), "events").filter {
                ($0["impersonator"] as? [String: Any])?["dealer_login"] as? String == "acme-admin"
            }
            #expect(visited.contains { $0["method"] as? String == "/auth.v1.AuthService/WhoAmI" })
            let auditTable = try await first.succeed(["client", "audit"])
            #expect(auditTable.rows.first == ["id", "at_ms", "actor_login", "impersonator.dealer_login", "method", "object", "result"])
            #expect(auditTable.rows.contains { $0.contains("/auth.v1.AuthService/WhoAmI") && $0.contains("acme-admin") })

            // The second client asks; the dealer rejects, then blocks it: a new request is refused.
            _ = try await second.signUpAndLogIn(account: "Vasilek LLC", login: "vasilek-admin", password: Self.password)
            let secondSubmit = try await second.succeed(["client", "submit", "--dealer-account-id", "\(acme.account)", "--json"])
            let secondRequestID = try #require((try secondSubmit.json()["request"] as? [String: Any])?["id"] as? Int)
            let rejected = try await dealer.succeed(["dealer", "reject", "--request-id", "\(secondRequestID)", "--reason", "not our region"])
            #expect(rejected.rows.dropFirst().first?.prefix(2) == ["\(secondRequestID)", "rejected"])
            let blocked = try await dealer.succeed(["dealer", "block", "--request-id", "\(secondRequestID)", "--json"])
            #expect((try blocked.json()["request"] as? [String: Any])?["blocked"] as? Bool == true)
            let refused = try await second.run(["client", "submit", "--dealer-account-id", "\(acme.account)"])
            #expect(refused.status == 1)
            #expect(refused.errorOutput.hasPrefix("PERMISSION_DENIED REQUESTS_BLOCKED: "))
            #expect(refused.output.isEmpty)
            let mine = try await second.succeed(["client", "requests", "--json"])
            #expect(objects(try mine.json(), "requests").map { $0["status"] as? String } == ["REQUEST_STATUS_REJECTED"])

            // The first client leaves its dealer.
            let status = try await first.succeed(["client", "status"])
            #expect(status.output.hasPrefix("served by Acme Service (id \(acme.account))"))
            let disconnected = try await first.succeed(["client", "disconnect", "--json"])
            #expect((try disconnected.json()["former_dealer"] as? [String: Any])?["dealer_account_id"] as? Int == acme.account)
            let after = try await first.succeed(["client", "status", "--json"])
            #expect(after.output == "{\n  \"dealer\": null\n}\n")

            // The dealer creates a client and deletes it again.
            let created = try await dealer.succeed(
                ["dealer", "create-client", "--account-name", "New Shop", "--admin-login", "shop-admin", "--admin-password", Self.password,
                 "--json"])
            let shopID = try #require((try created.json()["account"] as? [String: Any])?["id"] as? Int)
            let withShop = try await dealer.succeed(["dealer", "clients", "list"])
            #expect(withShop.rows.first == ["account_id", "name", "served_since_ms"])
            #expect(withShop.rows.dropFirst().map(\.first) == ["\(shopID)"])
            let deleted = try await dealer.succeed(["dealer", "delete-client", "--account-id", "\(shopID)"])
            #expect(deleted.output == "client \(shopID) deleted\n")
            let none = try await dealer.succeed(["dealer", "clients", "list", "--json"])
            #expect(objects(try none.json(), "clients").isEmpty)
        }
    }
}
