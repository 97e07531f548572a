/// What a login needs to verify a password: the user, its account and the stored hash.
public struct LoginCredentials: Sendable, Hashable {
    public var user: UserRecord
    public var account: AccountRecord
    /// The opaque hash string given at sign-up or password change.
    public var passwordHash: String
}
