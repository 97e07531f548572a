import DealerClient
import DealerProtocol
import DealerTestSupport
import Testing

@testable import DealerServices

/// Login refuses malformed input before any work, cannot be out-guessed in
/// parallel, and never yields a session that outlives a racing password change.
@Suite("Login: input validation, atomic throttle, race with ChangePassword")
struct LoginHardeningTests {
    @Test("a malformed login or a 1 MiB password is refused with INVALID_ARGUMENT before hashing or the throttle")
    func malformedInputIsRefusedFirst() async throws {
        try await withServicesTestServer { server in
            let net = try await server.connect()
            _ = try await net.signUpAndLogin(name: "Acme", login: "alice")
            let throttle = try #require(server.environment).throttle
            let huge = String(repeating: "p", count: 1 << 20)
            await expectRPCError(.invalidArgument, .invalidPassword) {
                try await net.call(Auth.login, .init(login: "alice", password: huge))
            }
            await expectRPCError(.invalidArgument, .invalidPassword) {
                try await net.call(Auth.login, .init(login: "alice", password: "short"))
            }
            await expectRPCError(.invalidArgument, .invalidLogin) {
                try await net.call(Auth.login, .init(login: huge, password: "long enough password"))
            }
            await expectRPCError(.invalidArgument, .invalidLogin) {
                try await net.call(Auth.login, .init(login: "a b", password: "long enough password"))
            }
            // None of them reached the throttle (which runs before the hash)...
            #expect(throttle.rememberedLogins == 0)
            // ...which does see a well-formed wrong guess.
            await expectRPCError(.unauthenticated, .invalidCredentials) {
                try await net.call(Auth.login, .init(login: "alice", password: "wrong but well formed"))
            }
            #expect(throttle.rememberedLogins == 1)
            await net.close()
        }
    }

    @Test("parallel wrong logins: the throttle admits exactly its free attempts, the rest are throttled")
    func parallelWrongGuesses() async throws {
        let limit = 5
        let attempts = 24
        try await withServicesTestServer(
            services: {
                $0.loginFailuresBeforeThrottle = limit
                $0.maxConcurrentHashes = attempts
            },
            configure: {
                $0.blockingThreads = 8
                // Every attempt is admitted to the hashing lane: only the throttle refuses.
                $0.maxHashingQueue = attempts
                $0.maxHashingQueuePerConnection = attempts
            }
        ) { server in
            let net = try await server.connect()
            _ = try await net.signUpAndLogin(name: "Acme", login: "alice")
            let outcomes = try await withThrowingTaskGroup(of: CallOutcome.self) { group in
                for _ in 0..<attempts {
                    group.addTask {
                        try await CallOutcome.of {
                            _ = try await net.call(Auth.login, .init(login: "alice", password: "a wrong password"))
                        }
                    }
                }
                return try await group.reduce(into: [CallOutcome]()) { $0.append($1) }
            }
            let wrong = outcomes.filter { $0 == .failed(.unauthenticated, .invalidCredentials) }.count
            let throttled = outcomes.filter { $0 == .failed(.resourceExhausted, .loginThrottled) }.count
            #expect(wrong == limit, "\(outcomes)")
            #expect(throttled == attempts - limit, "\(outcomes)")
            await net.close()
        }
    }

    @Test("Login(old password) racing ChangePassword: no session from the old password survives the change (200 rounds)")
    func loginRacingChangePassword() async throws {
        try await withServicesTestServer(
            services: {
                $0.loginFailuresBeforeThrottle = 1_000_000  // failed logins are expected here
                $0.maxConcurrentHashes = 4
            },
            configure: { $0.blockingThreads = 4 }
        ) { server in
            let net = try await server.connect()
            let other = try await server.connect()
            func password(_ round: Int) -> String { "password number \(round)" }
            let account = try await net.signUpAndLogin(name: "Acme", login: "alice", password: password(0))
            var survivors: [Int] = []
            for round in 0..<200 {
                async let login = Result(catching: { try await other.call(Auth.login, .init(login: "alice", password: password(round))) })
                async let change = net.call(
                    Auth.changePassword, .init(currentPassword: password(round), newPassword: password(round + 1)),
                    token: account.token)
                let (loginResult, changed) = try await (login, change)
                _ = changed  // committed: every session from password(round) must be dead now
                switch loginResult {
                case .success(let response):
                    let whoAmI = try await CallOutcome.of { _ = try await net.call(Auth.whoAmI, .init(), token: response.token) }
                    if whoAmI != .failed(.unauthenticated, .sessionInvalid) { survivors.append(round) }
                case .failure(let error):
                    let refused = try #require(error as? RPCError, "\(error)")
                    #expect(refused.code == .unauthenticated && refused.reason == .invalidCredentials, "\(refused)")
                }
            }
            #expect(survivors.isEmpty, "sessions from the old password still valid after ChangePassword in rounds \(survivors)")
            // The caller's own session stays, and the newest password works.
            #expect(try await net.call(Auth.whoAmI, .init(), token: account.token).session != nil)
            _ = try await net.login("alice", password(200))
            try Workflow.expectNoViolations(server)
            await other.close()
            await net.close()
        }
    }
}

extension Result where Failure == any Error {
    /// Runs an async throwing body and keeps its outcome.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
