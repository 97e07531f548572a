/// Why one register of a batch cannot move.
public struct RegisterProblem: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// Not in an account the caller may move registers of (or no such register).
        case notFound
        case removed
        /// It is in the target account already.
        case alreadyInTarget
        /// The target account has no organization with this INN.
        case targetHasNoOrganization(inn: String)
    }

    public var registerID: Int64
    public var kind: Kind

    public init(registerID: Int64, kind: Kind) {
        self.registerID = registerID
        self.kind = kind
    }
}
