/// An account created together with its first admin user (SignUp, CreateClient).
public struct NewAccount: Sendable, Hashable {
    public var account: AccountRecord
    public var admin: UserRecord
}
