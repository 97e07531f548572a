/// A register that moved (or would move) to another account.
public struct MovedRegisterRecord: Sendable, Hashable {
    public var registerID: Int64
    public var from: RegisterPosition
    /// Its owner in the target account; nil in a dry run when that is a copy still to be made.
    public var toOrganizationID: Int64?
    /// The owner's INN.
    public var inn: String
}
