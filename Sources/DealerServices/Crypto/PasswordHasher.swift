import DealerProtocol

/// Argon2id password hashing.
///
/// How many hashes run at once is bounded by where it is called: only from
/// handlers registered with `HandlerExecution.hashing`, whose lane has
/// `ServicesConfiguration.maxConcurrentHashes` workers and a bounded queue,
/// so a burst of logins can exhaust neither memory (64 MiB per hash at the
/// default cost) nor every CPU, and never holds a storage worker.
public struct PasswordHasher: Sendable {
    /// How expensive a hash is.
    public enum Cost: String, Sendable, CaseIterable {
        /// libsodium's interactive preset (the default).
        case interactive
        /// The cheapest allowed: for tests.
        case minimal

        var sodium: Sodium.Cost { self == .interactive ? .interactive : .minimal }
    }

    private let cost: Cost
    /// A hash of a random password, verified against for unknown logins so
    /// they take as long as wrong passwords.
    private let decoyHash: String

    public init(cost: Cost) {
        self.cost = cost
        self.decoyHash = Sodium.hashPassword(Sodium.randomBytes(16).map { String($0) }.joined(), cost: cost.sodium)!
    }

    /// Hashes a new password. Blocking: call from a hashing-lane worker.
    public func hash(_ password: String) throws -> String {
        guard let hash = Sodium.hashPassword(password, cost: cost.sodium) else {
            throw RPCError(.resourceExhausted, .passwordHashingBusy, "password hashing failed for lack of memory")
        }
        return hash
    }

    /// Checks a password against a stored hash, or against a decoy when
    /// there is no user, so both cases cost the same. Blocking.
    public func verify(_ password: String, against hash: String?) throws -> Bool {
        let matches = Sodium.verifyPassword(password, hash: hash ?? decoyHash)
        return matches && hash != nil
    }
}
