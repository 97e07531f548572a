import DealerProtocol
import Dispatch

/// Argon2id password hashing with a bound on how many hashes run at once,
/// so a burst of logins cannot exhaust memory (64 MiB each at the default
/// cost) or every CPU.
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
    private let slots: DispatchSemaphore
    private let queueTimeout: DispatchTimeInterval
    /// A hash of a random password, verified against for unknown logins so
    /// they take as long as wrong passwords.
    private let decoyHash: String

    public init(cost: Cost, maxConcurrentHashes: Int = 2, queueTimeout: DispatchTimeInterval = .seconds(10)) {
        self.cost = cost
        self.slots = DispatchSemaphore(value: max(1, maxConcurrentHashes))
        self.queueTimeout = queueTimeout
        self.decoyHash = Sodium.hashPassword(Sodium.randomBytes(16).map { String($0) }.joined(), cost: cost.sodium)!
    }

    /// Hashes a new password. Blocking: call from a worker thread.
    public func hash(_ password: String) throws -> String {
        try withSlot {
            guard let hash = Sodium.hashPassword(password, cost: cost.sodium) else {
                throw RPCError(.resourceExhausted, .passwordHashingBusy, "password hashing failed for lack of memory")
            }
            return hash
        }
    }

    /// Checks a password against a stored hash, or against a decoy when
    /// there is no user, so both cases cost the same. Blocking.
    public func verify(_ password: String, against hash: String?) throws -> Bool {
        try withSlot {
            let matches = Sodium.verifyPassword(password, hash: hash ?? decoyHash)
            return matches && hash != nil
        }
    }

    private func withSlot<T>(_ body: () throws -> T) throws -> T {
        guard slots.wait(timeout: .now() + queueTimeout) == .success else {
            throw RPCError(.resourceExhausted, .passwordHashingBusy, "too many logins at once; try again shortly")
        }
        defer { slots.signal() }
        return try body()
    }
}
